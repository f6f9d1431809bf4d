import { randomFillSync } from 'node:crypto';

const entropy = Buffer.alloc(4096);
let entropyAt = entropy.length;

/**
 * Short random URL-safe ids (62 bits of entropy by default): rooms, products, sales, orders, nodes. Random bytes are
 * drawn from the CSPRNG 4 KiB at a time: every order gets an id, and one `randomBytes` call per id showed up in
 * flash-sale profiles.
 */
export function newId(bytes = 8): string {
  for (;;) {
    if (entropyAt + bytes > entropy.length) {
      randomFillSync(entropy);
      entropyAt = 0;
    }
    entropyAt += bytes;
    const id = entropy.toString('base64url', entropyAt - bytes, entropyAt);
    // Never a leading '-' (1 id in 64 had one): a spreadsheet reads "-x..." as a formula, so CSV exports escape such a
    // cell and the id in the file is no longer the id; a command line reads it as an option.
    if (id[0] !== '-') return id;
  }
}
