/** 32-bit FNV-1a of the UTF-8 bytes of `text` (as kamal-proxy hashes its rollout cookie). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
