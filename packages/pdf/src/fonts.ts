/**
 * The CJK font of every platform document: Noto Sans SC (SIL Open Font License 1.1), the static
 * TrueType (glyf) instances Google Fonts publishes, shipped in the npm package
 * @expo-google-fonts/noto-sans-sc (docs/decisions/015-signed-pdf.md). TrueType rather than the
 * CFF-based OTF of other packages: glyf fonts subset reliably, and a subset keeps a record at tens of
 * kilobytes instead of the font's 10 MiB.
 *
 * Subsetting is fontkit 2 (`fontkit@2.0.4`), not pdf-lib's fork `@pdf-lib/fontkit@1.1.1`, whose subset
 * of this font leaves many CJK glyphs blank (their outlines are lost). pdf-lib asks its fontkit for a
 * subset's `encodeStream()`; fontkit 2 only has `encode()`, so `pdfFontkit` below wraps it.
 */
import * as fontkit from 'fontkit';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { PDFDocument } from 'pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

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

/**
 * fontkit 2 as pdf-lib's `registerFontkit` expects it: `create` returns the font, whose subsets get an
 * `encodeStream()` that emits the bytes of fontkit 2's `encode()` as one chunk.
 */
export const pdfFontkit: Fontkit = {
  create(data: Uint8Array, postscriptName?: string) {
    const font = fontkit.create(Buffer.from(data.buffer, data.byteOffset, data.byteLength), postscriptName);
    if (!('createSubset' in font)) throw new Error('A font collection is not supported; give one font.');
    const createSubset = font.createSubset.bind(font);
    (font as { createSubset: () => unknown }).createSubset = () => {
      const subset = createSubset();
      return Object.assign(subset, { encodeStream: () => Readable.from([Buffer.from(subset.encode())]) });
    };
    return font as unknown as ReturnType<Fontkit['create']>;
  },
};

/** Opens a font program (for example a subset read back out of a PDF) with fontkit 2. */
export function openFontProgram(bytes: Uint8Array): fontkit.Font {
  const font = fontkit.create(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!('createSubset' in font)) throw new Error('A font collection is not supported; give one font.');
  return font;
}
