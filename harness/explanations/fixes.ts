import { stackDefinition } from '../../servers/apps/catalog.ts';
import { isCorsSafelistedMethod, normalizeMethod, type Failure, type RequestPlan } from '../model/index.ts';
import { splitStack, type StackName } from '../core/names.ts';
import type { Policy } from '../core/format.ts';
import type { Fix } from '../results/types.ts';
import { proxyDefinition } from '../../servers/proxies/catalog.ts';

export interface FixInput {
  /** The model's failures for the cell, the deciding one first. */
  failures: readonly Failure[];
  /** Headers the scenario expected JavaScript to read that it could not. */
  unreadable: readonly string[];
  plan: RequestPlan;
  pageOrigin: string;
  /** The scenario's policy with placeholders expanded, if it states one. */
  policy: Policy | undefined;
  stacks: readonly StackName[];
}

/** The methods a policy allows when it leaves them to the library; @fastify/cors allows only these (the cors package more). */
const CONSERVATIVE_DEFAULT_METHODS = ['GET', 'HEAD', 'POST'];

/**
 * A fix for a cell that the page was meant to get through. When the scenario
 * states a policy, the fix changes as little of it as the failure needs; when
 * it reproduces raw code, the fix is the policy that allows exactly this
 * request, rendered for every stack. Returns undefined when there is nothing
 * the server can change (e.g. fetch() refused before sending).
 */
export function fixFor(input: FixInput): Fix | undefined {
  const { failures, plan, pageOrigin } = input;
  const decisive = failures[0];
  if (decisive?.effect === 'TypeError' || plan.error) return undefined;

  if (decisive?.rule === 'preflight-status') {
    return {
      summary: `The preflight answered ${decisive.observed[0] ?? 'an error'}: let OPTIONS through before anything that can refuse it (authentication, rate limits), since browsers never send credentials on a preflight.`,
      perStack: structuralFix(input.stacks),
    };
  }

  const base: Policy = input.policy ?? requestPolicy(plan, pageOrigin);
  const policy: Policy = { ...base };
  const changes: string[] = [];
  for (const failure of failures) {
    switch (failure.rule) {
      case 'allow-origin-missing':
      case 'allow-origin-mismatch':
      case 'allow-origin-multiple':
      case 'allow-origin-wildcard-with-credentials': {
        if (Array.isArray(policy.origin)) {
          const kept = policy.origin.filter((o) => o !== `${pageOrigin}/` && o !== '*');
          policy.origin = kept.includes(pageOrigin) ? kept : [...kept, pageOrigin];
        } else {
          policy.origin = pageOrigin;
        }
        // Say what was wrong with the value, not a generic checklist.
        const why =
          failure.rule === 'allow-origin-missing'
            ? 'the response sends no Access-Control-Allow-Origin at all'
            : failure.rule === 'allow-origin-multiple'
              ? 'it must be one value, once'
              : failure.rule === 'allow-origin-wildcard-with-credentials'
                ? '`*` does not count with credentials'
                : failure.detail === 'trailing-slash'
                  ? 'an origin has no trailing slash'
                  : 'the value must equal the page\'s origin byte for byte';
        changes.push(`allow the origin \`${pageOrigin}\` exactly (${why})`);
        break;
      }
      case 'allow-credentials-not-true':
        policy.credentials = true;
        changes.push('send `Access-Control-Allow-Credentials: true`');
        break;
      case 'method-not-allowed': {
        const method = failure.subject ?? plan.method;
        const methods = (policy.methods ?? CONSERVATIVE_DEFAULT_METHODS).filter((m) => m !== '*');
        policy.methods = methods.includes(method) ? methods : [...methods, method];
        changes.push(`list \`${method}\` in the allowed methods${plan.credentialsIncluded ? ' (`*` is a literal name with credentials)' : ''}`);
        break;
      }
      case 'header-not-allowed':
      case 'authorization-not-covered-by-wildcard': {
        const header = failure.subject ?? '';
        const headers = policy.allowedHeaders ?? [];
        if (!headers.some((h) => h.toLowerCase() === header.toLowerCase())) policy.allowedHeaders = [...headers, header];
        changes.push(`list \`${header}\` in the allowed headers by name`);
        break;
      }
      default:
        break;
    }
  }
  for (const name of input.unreadable) {
    const exposed = policy.exposedHeaders ?? [];
    if (!exposed.some((h) => h.toLowerCase() === name.toLowerCase())) policy.exposedHeaders = [...exposed, name];
    changes.push(`expose \`${name}\` with Access-Control-Expose-Headers`);
  }
  if (changes.length === 0) return undefined;
  const unique = [...new Set(changes)];
  const summary = `${input.policy ? 'Change the policy' : 'Allow this request'}: ${unique.join('; ')}.`;
  return { summary, policy, perStack: renderFix(policy, input.stacks) };
}

/** The policy that allows exactly this request from this page, for scenarios that give raw code. */
function requestPolicy(plan: RequestPlan, pageOrigin: string): Policy {
  const policy: Policy = { origin: pageOrigin };
  const method = normalizeMethod(plan.method);
  if (!isCorsSafelistedMethod(method)) policy.methods = [...CONSERVATIVE_DEFAULT_METHODS, method];
  const unsafe = plan.preflight?.unsafeHeaders.map((u) => u.name) ?? [];
  if (unsafe.length > 0) policy.allowedHeaders = unsafe;
  if (plan.credentialsIncluded) policy.credentials = true;
  return policy;
}

function renderFix(policy: Policy, names: readonly StackName[]): Partial<Record<StackName, string>> {
  return Object.fromEntries(names.map((name) => [name, renderPolicySetup(name, policy)]));
}

/**
 * The layer a fix goes into: behind a proxy, the proxy, since CORS is best
 * handled in one layer and the proxy is the one in front; else the app stack.
 * Each renders the fix in its own idiom (servers/apps/<stack>/,
 * servers/proxies/<proxy>/).
 */
function fixLayer(name: StackName): { renderPolicy(policy: Policy): string; preflightFirst: string } {
  const { proxy, app } = splitStack(name);
  return proxy ? proxyDefinition(proxy) : stackDefinition(app);
}

/** A policy in one stack's idiom, without the catch-all routes the lab adds (a fix never changes them). */
export function renderPolicySetup(name: StackName, policy: Policy): string {
  return fixLayer(name).renderPolicy(policy);
}

function structuralFix(names: readonly StackName[]): Partial<Record<StackName, string>> {
  return Object.fromEntries(names.map((name) => [name, fixLayer(name).preflightFirst]));
}
