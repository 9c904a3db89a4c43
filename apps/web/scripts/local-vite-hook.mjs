const appPackage = new URL('../package.json', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromRouterDev = context.parentURL?.includes('/node_modules/@react-router/dev/') ?? false;
  if (fromRouterDev && (specifier === 'vite' || specifier.startsWith('vite/'))) {
    return nextResolve(specifier, { ...context, parentURL: appPackage });
  }
  return nextResolve(specifier, context);
}
