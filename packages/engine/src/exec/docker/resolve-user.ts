import { FerryError } from '../../errors.js';

export interface UserIds {
  uid: number;
  gid: number;
}

/**
 * A Docker `user[:group]` (names or numbers) → numeric ids, looked up in the image's /etc/passwd and
 * /etc/group the way Docker does: a numeric user need not exist (its group is then its passwd group, or 0);
 * a name must. Throws EXEC_CONTAINER naming what is missing.
 */
export function resolveUser(spec: string, passwd: string, group: string): UserIds {
  const colon = spec.indexOf(':');
  const userPart = colon === -1 ? spec : spec.slice(0, colon);
  const groupPart = colon === -1 ? undefined : spec.slice(colon + 1);
  const users = parseDatabase(passwd);
  const entry = /^\d+$/.test(userPart)
    ? users.find((fields) => fields[2] === userPart)
    : users.find((fields) => fields[0] === userPart);
  if (!entry && !/^\d+$/.test(userPart))
    throw new FerryError(
      'EXEC_CONTAINER',
      `user "${userPart}" is not in the image's /etc/passwd; use a numeric uid or add the user to the image`,
    );
  const uid = Number(entry?.[2] ?? userPart);
  let gid = Number(entry?.[3] ?? 0);
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const groupEntry = parseDatabase(group).find((fields) => fields[0] === groupPart);
      if (!groupEntry)
        throw new FerryError(
          'EXEC_CONTAINER',
          `group "${groupPart}" is not in the image's /etc/group; use a numeric gid or add the group to the image`,
        );
      gid = Number(groupEntry[2]);
    }
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid))
    throw new FerryError('EXEC_CONTAINER', `cannot read the ids of user "${spec}" from the image`);
  return { uid, gid };
}

function parseDatabase(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}
