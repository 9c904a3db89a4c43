/**
 * The CJK font of every platform document: Noto Sans SC (SIL Open Font License 1.1), the static
 * TrueType (glyf) instances Google Fonts publishes, shipped in the npm package
 * @expo-google-fonts/noto-sans-sc (docs/decisions/015-signed-pdf.md). TrueType rather than the
 * CFF-based OTF of other packages: pdf-lib's fontkit subsets glyf fonts reliably, and a subset keeps a
 * record at tens of kilobytes instead of the font's 10 MiB.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const FONT_FILES = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;

export type FontWeight = keyof typeof FONT_FILES;

const cache = new Map<FontWeight, Promise<Uint8Array>>();

/** The font file's bytes, read once per process. */
export function loadCjkFont(weight: FontWeight): Promise<Uint8Array> {
  let bytes = cache.get(weight);
  if (!bytes) {
    bytes = readFile(require.resolve(FONT_FILES[weight])).then((b) => new Uint8Array(b));
    cache.set(weight, bytes);
  }
  return bytes;
}
