/** tally-panel.js: the side panel as a custom element, for a product's own admin UI. */
import { definePanel } from './panel.ts';

definePanel();
