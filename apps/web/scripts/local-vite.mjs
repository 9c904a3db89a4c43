// Makes the react-router CLI use this app's own Vite (7.x) instead of the Vite 8 that vitest
// hoists to the repository root, next to @react-router/dev. Loaded with
// NODE_OPTIONS=--import ./scripts/local-vite.mjs; a no-op once the root resolves Vite 7 itself.
import { register } from 'node:module';

register('./local-vite-hook.mjs', import.meta.url);
