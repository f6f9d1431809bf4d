/**
 * The studio pages' messages in both languages, kept apart from lib/i18n.ts so each page family adds its strings in its
 * own file (lib/i18n.ts merges them; keys are prefixed 'studio.' to keep them apart).
 */
export const en = {} as const;

export const zh: Record<keyof typeof en, string> = {};
