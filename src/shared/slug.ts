/** A name as an id fragment: lower case, ASCII letters and digits joined by dashes. */
export function slug(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'audience';
}
