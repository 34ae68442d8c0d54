/**
 * The name a window shows for its workspace: the folder's own name, as file managers and editors
 * title a window (the whole path, which can be long or a temporary folder's, is on hover).
 */
export function folderName(root: string): string {
  // Either separator (the services answer native paths); a trailing one, or a drive's root, ignored.
  const parts = root.split(/[\\/]+/).filter((p) => p !== '')
  return parts[parts.length - 1] ?? root
}
