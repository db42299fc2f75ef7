/** Field paths as problems print them: `cluster.num_shards`, `timeline[3].groups[1]`. */

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}
