// Minimal typing of the GopherJS build of mvdan/sh (package `mvdan-sh`): only the entry points
// labsim uses. The node shapes are typed in ./syntax.ts.
declare module 'mvdan-sh' {
  interface Parser {
    Parse(src: string, name: string): unknown
  }
  export const syntax: {
    NewParser(): Parser
    NodeType(node: unknown): string
    IsIncomplete(err: unknown): boolean
  }
}
