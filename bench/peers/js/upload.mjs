// What a Node.js user would write to stream stdin into S3: lib-storage's managed multipart
// Upload (16 MiB parts, 4 in flight), credentials and region from the environment, TLS
// trust from NODE_EXTRA_CA_CERTS. A peer for bench/e2e.py.
//
//   node upload.mjs ENDPOINT BUCKET KEY < data
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const [endpoint, bucket, key] = process.argv.slice(2);
const client = new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION || "us-east-1" });
const upload = new Upload({
  client,
  params: { Bucket: bucket, Key: key, Body: process.stdin },
  partSize: 16 * 1024 * 1024,
  queueSize: 4,
});
await upload.done();
