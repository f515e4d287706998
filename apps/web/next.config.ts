import type { NextConfig } from 'next';

const config: NextConfig = {
  // Internal packages ship TypeScript source.
  transpilePackages: ['@membrane/api', '@membrane/policy'],
  poweredByHeader: false,
  reactStrictMode: true,
  productionBrowserSourceMaps: false,
  // The web benchmark builds into its own directory so it never races a browser test's build.
  distDir: process.env.MEMBRANE_WEB_DIST_DIR || '.next',
};

export default config;
