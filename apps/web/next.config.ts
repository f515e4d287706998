import type { NextConfig } from 'next';

const config: NextConfig = {
  // Internal packages ship TypeScript source.
  transpilePackages: ['@membrane/api', '@membrane/policy'],
  poweredByHeader: false,
  reactStrictMode: true,
  productionBrowserSourceMaps: false,
};

export default config;
