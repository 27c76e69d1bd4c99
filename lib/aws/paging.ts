/** A bound on pages (100 000 items at 100 a page): a Marker that never ends must not loop forever. */
const MAX_PAGES = 1000;

/** Every item of a Marker-paged RDS Describe* call, through all pages, with a bound on pages. */
export async function paginate<T>(
  page: (marker: string | undefined) => Promise<{ items: T[]; marker?: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const out = await page(marker);
    all.push(...out.items);
    marker = out.marker;
    if (!marker) return all;
  }
  throw new Error(`more than ${MAX_PAGES} pages: stopping`);
}
