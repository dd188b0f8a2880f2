import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository root: the erplink package is linked from ../../../bindings/node
// ("erplink": "file:..." in package.json), outside this folder, and Turbopack resolves
// nothing above its root.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** @type {import('next').NextConfig} */
const nextConfig = {
  // erplink is a Node-API addon (build/Release/erplink.node): it must be require()d from
  // node_modules at run time, never bundled. better-sqlite3 is on Next's built-in list,
  // named here too so the intent is explicit.
  serverExternalPackages: ['erplink', 'better-sqlite3'],
  outputFileTracingRoot: repoRoot,
  // serverExternalPackages matches resolved paths under node_modules/erplink/, but npm links a
  // "file:" dependency, so the bundler resolves erplink to ../../../bindings/node and would
  // bundle it (and then look for build/Release/erplink.node next to the bundle). Naming it a
  // commonjs external makes the server bundle require('erplink') at run time instead. Builds
  // use webpack (`next build --webpack`): Turbopack has no such switch for linked packages.
  webpack(config, { isServer }) {
    if (isServer) config.externals = [{ erplink: 'commonjs erplink' }, ...[].concat(config.externals || [])];
    return config;
  },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
