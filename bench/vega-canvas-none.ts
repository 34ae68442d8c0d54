/**
 * Stands in for `vega-canvas` in the benchmark bundle: the chart is rendered to SVG, which needs no
 * canvas, and the real module's top-level `await import('canvas')` cannot be bundled as CommonJS.
 * Vega then measures label widths by its own estimate, as it does wherever no canvas exists.
 */
export function canvas(): null {
  return null
}

export function image(): null {
  return null
}
