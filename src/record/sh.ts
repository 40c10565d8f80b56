/**
 * A tag for shell text in TypeScript: the raw text, with `\${` (escaped so
 * that JavaScript does not substitute) turned back into the shell's `${`.
 * Takes no substitutions: the kit's variable parts are built apart.
 */
export function sh(strings: TemplateStringsArray): string {
  if (strings.raw.length !== 1) throw new Error("sh`…` takes no substitutions");
  return strings.raw[0]!.replaceAll("\\${", "${");
}
