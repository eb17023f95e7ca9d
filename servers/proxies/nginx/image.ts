import type { ProxyImage } from '../proxy.ts';

/** The version in what `nginx -v` printed: "nginx version: nginx/1.22.1" (on stderr). */
export function nginxVersion(output: string): string | undefined {
  return /nginx\/(\S+)/.exec(output)?.[1];
}

/** nginx in a container image: Debian's and the official image both put it on the PATH as `nginx`. */
export const nginxImage: ProxyImage = {
  defaultImage: 'nginx:1.27',
  findExecutable: 'command -v nginx',
  executableNames: 'nginx',
  version: ({ stdout, stderr }) => nginxVersion(stderr + stdout),
};
