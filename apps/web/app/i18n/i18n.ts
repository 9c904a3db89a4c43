import { createContext, useContext } from 'react';
import { en } from './messages.en';
import { zh, type Messages } from './messages.zh';

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const LANG_COOKIE = 'lang';

export function isLang(value: unknown): value is Lang {
  return value === 'zh' || value === 'en';
}

/** Chinese first: anything but an explicit `lang=en` cookie is Chinese. */
export function langFromCookieHeader(header: string | null): Lang {
  const match = /(?:^|;\s*)lang=([^;]*)/.exec(header ?? '');
  return match?.[1] === 'en' ? 'en' : 'zh';
}

export const HTML_LANG: Record<Lang, string> = { zh: 'zh-CN', en: 'en' };

type TextKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];
type ListKey = { [K in keyof Messages]: Messages[K] extends string ? never : K }[keyof Messages];
export type { TextKey as MessageKey };

const DICTIONARIES: Record<Lang, Messages> = { zh, en };

export interface Translator {
  lang: Lang;
  t(key: TextKey, vars?: Record<string, string | number>): string;
  list(key: ListKey): readonly string[];
  /** Picks the current language out of a bilingual message from the API. */
  pick(message: { zh: string; en: string }): string;
}

export function translator(lang: Lang): Translator {
  const dict = DICTIONARIES[lang];
  return {
    lang,
    t(key, vars) {
      const text = dict[key] as string;
      if (!vars) return text;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
    },
    list: (key) => dict[key] as readonly string[],
    pick: (message) => message[lang],
  };
}

const I18nContext = createContext<Translator>(translator('zh'));
export const I18nProvider = I18nContext.Provider;

export function useI18n(): Translator {
  return useContext(I18nContext);
}
