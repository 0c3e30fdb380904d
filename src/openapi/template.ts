/** Longest path template accepted; bounds the work done per path. */
const MAX_TEMPLATE_LENGTH = 2048;

/**
 * The parameter names of a path template such as `/users/{id}/posts/{postId}`, in order, or an
 * error message when the braces are malformed. One linear pass; no regular expression.
 */
export function templateParams(path: string): string[] | string {
  if (path.length > MAX_TEMPLATE_LENGTH) return `is longer than ${MAX_TEMPLATE_LENGTH} characters`;
  const names: string[] = [];
  let open = -1;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '{') {
      if (open !== -1) return "has a '{' inside a '{…}' parameter";
      open = i;
    } else if (c === '}') {
      if (open === -1) return "has a '}' without its '{'";
      const name = path.slice(open + 1, i);
      if (name === '') return "has an empty '{}' parameter";
      if (names.includes(name)) return `declares '{${name}}' twice`;
      names.push(name);
      open = -1;
    } else if (c === '/' && open !== -1) {
      return "has a '{' that is not closed in its segment";
    }
  }
  if (open !== -1) return "has a '{' that is not closed";
  return names;
}
