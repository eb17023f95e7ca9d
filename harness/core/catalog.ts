import { extensionNameProblem } from './format.ts';

/**
 * The list behind every extension point (engines, app stacks, proxies,
 * reporters): members in order, looked up by name, and added from outside
 * the project (a test's, a plugin's) with `register`, which returns what
 * removes the member again. Each catalog.ts holds one and names its members.
 */
export class Catalog<T extends { readonly name: string }> {
  private readonly members: Map<string, T>;

  constructor(
    /** What a member is, for messages: "engine", "app stack". */
    private readonly what: string,
    members: readonly T[],
  ) {
    this.members = new Map(members.map((m) => [m.name, m]));
  }

  /** Every member's name, in order. */
  names(): string[] {
    return [...this.members.keys()];
  }

  find(name: string): T | undefined {
    return this.members.get(name);
  }

  /** The member of that name; names are checked against the catalog where they come in, so an unknown one here is the harness's mistake. */
  get(name: string): T {
    const member = this.members.get(name);
    if (!member) throw new Error(`no ${this.what} is called \`${name}\` (known: ${this.names().join(', ')})`);
    return member;
  }

  register(member: T): () => void {
    const problem = extensionNameProblem(member.name);
    if (problem) throw new Error(`cannot register the ${this.what}: ${problem}`);
    if (this.members.has(member.name)) throw new Error(`cannot register the ${this.what} \`${member.name}\`: there is one by that name`);
    this.members.set(member.name, member);
    return () => {
      if (this.members.get(member.name) === member) this.members.delete(member.name);
    };
  }
}
