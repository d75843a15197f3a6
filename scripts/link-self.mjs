// `npm ci` runs this (the `prepare` script): node_modules/lambda-baton → this folder, so the
// example service in serverless.yml can say `plugins: [lambda-baton/serverless]` and its
// functions `import 'lambda-baton'`, exactly as a user's service would.
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const link = `${root}node_modules/lambda-baton`;
mkdirSync(`${root}node_modules`, { recursive: true });
if (!existsSync(link) && !(() => { try { return lstatSync(link).isSymbolicLink(); } catch { return false; } })()) {
  symlinkSync('..', link, 'dir');
}
