/** Which database the hub runs on; migrations differ only where SQL does (auto-increment). */
export type DialectKind = 'sqlite' | 'postgres';
