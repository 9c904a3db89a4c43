/**
 * What the portal's keyword search matches a section by: its name, code and project name, lower-cased
 * (the search is a LIKE over lower-cased text with a trigram index; decision 011).
 */
export const searchTextOf = (sectionName: string, code: string, projectName: string) => `${sectionName} ${code} ${projectName}`.toLowerCase();
