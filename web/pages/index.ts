/** Every page, in navigation order. Product-analytics pages join the `Product` group here. */
import type { PageDef } from '../page.ts';
import { overviewPage } from './overview.ts';

export const PAGES: PageDef[] = [overviewPage];
