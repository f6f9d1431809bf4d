import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { Teardown } from './teardown.ts';

/** s3rver's fixed credentials (it checks signatures made with them). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * A local S3-compatible server (s3rver, from npm) on 127.0.0.1 and a free port, its data in a temporary directory,
 * with `bucket` created; closed by the teardown. For the S3 storage adapter's tests (test/recording).
 */
export async function startS3(t: Teardown, bucket: string): Promise<{ endpoint: string; bucket: string }> {
  const directory = await t.tempDir('hawker-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as AddressInfo;
  t.defer(() => server.close());
  return { endpoint: `http://127.0.0.1:${address.port}`, bucket };
}
