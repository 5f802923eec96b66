/**
 * Which import inserted each event, customer and product. The `import_id` column of those tables defaults to this
 * session variable, set only while an import runs (provenance.ts): every insert of the import (its rows, and the
 * customers and products its events mention) is marked without the insert naming the column, events from the API are
 * not, and a row that a later import replaces keeps the import that created it. The migrations and the imports both
 * name it, from here: neither imports the other.
 */
export const IMPORT_VARIABLE = 'segmint_import';

export const PROVENANCE_DEFAULT = `DEFAULT getvariable('${IMPORT_VARIABLE}')`;
