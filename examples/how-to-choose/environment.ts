/** What running an example by hand needs from its environment; a missing variable stops it, named. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} to run this example (see the README's "How to choose")`);
  return value;
}
