import { WebglAddon } from '@xterm/addon-webgl'
import type { Terminal } from '@xterm/xterm'

/**
 * Which xterm renderer the terminal panes use, and why.
 *
 * The DOM renderer is the default; the WebGL addon is loaded only when the page has a hardware
 * GPU. Source: docs/perf.md rows 3c and 3f and finding 5 — xterm's DOM
 * renderer ingests about 40 MB/s at 59 fps in Chromium on 2 cores, while the WebGL addon on a
 * software rasteriser (SwiftShader) managed 3.3 to 4.5 MB/s at 10 to 11 fps with 200 to 270 ms
 * frame gaps: about ten times slower. With a real GPU, WebGL frames take 0.7 to 3.7 ms.
 *
 * Engineer override, read whenever a pane opens (close and reopen the pane, or reload):
 *
 *     localStorage['replab.terminalRenderer'] = 'dom' | 'webgl' | 'auto'   // default 'auto'
 *
 * 'auto' (or anything else) detects the GPU; 'dom' and 'webgl' skip detection. A forced 'webgl'
 * still falls back to DOM if the addon cannot start or loses its context.
 */

/** The two xterm renderers a pane can use. */
export type TerminalRenderer = 'webgl' | 'dom'

/**
 * A renderer decision. `reason` is short, for the pane toolbar ("SwiftShader (software)",
 * "no WebGL", "NVIDIA GeForce RTX 3080 (hardware)", "WebGL context lost"). `gpu` is the renderer
 * string detection read (UNMASKED_RENDERER_WEBGL), `null` when no WebGL context could be
 * created, absent when detection did not run (override) or did not apply.
 */
export interface RendererChoice {
  renderer: TerminalRenderer
  reason: string
  gpu?: string | null
}

/** localStorage key of the engineer override ('dom' | 'webgl' | 'auto'). */
export const RENDERER_OVERRIDE_KEY = 'replab.terminalRenderer'

/** Software rasterisers (renderer-string pattern → reason shown). All of them mean DOM. */
const SOFTWARE: ReadonlyArray<readonly [RegExp, string]> = [
  [/swiftshader/i, 'SwiftShader (software)'],
  [/llvmpipe/i, 'llvmpipe (software)'],
  [/softpipe/i, 'softpipe (software)'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver (software)'],
  [/mesa offscreen/i, 'Mesa offscreen (software)'],
  [/gdi generic/i, 'GDI Generic (software)'],
  [/software/i, 'software renderer'],
]

/**
 * The device part of a renderer string: for ANGLE strings
 * ("ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)") the second
 * top-level field without the Direct3D shader-model suffix; otherwise the string itself.
 */
export function gpuName(rendererString: string): string {
  const s = rendererString.trim()
  const m = /^ANGLE \((.*)\)$/.exec(s)
  if (!m) return s
  const fields: string[] = []
  let depth = 0
  let field = ''
  for (const ch of m[1]!) {
    if (ch === ',' && depth === 0) {
      fields.push(field.trim())
      field = ''
      continue
    }
    if (ch === '(') depth++
    if (ch === ')') depth--
    field += ch
  }
  fields.push(field.trim())
  const device = fields[1] ?? fields[0] ?? s
  return device.replace(/\s+Direct3D\d*.*$/, '').trim() || s
}

/**
 * Pure: classifies a WebGL renderer string. Software rasterisers (SwiftShader, llvmpipe,
 * softpipe, Microsoft Basic Render Driver, Mesa offscreen, GDI Generic, anything saying
 * "Software") → `dom` "<name> (software)" / "software renderer"; null or empty (no WebGL
 * context, or only one with a major performance caveat) → `dom` "no WebGL"; the masked generic "WebKit WebGL" → `dom` (the
 * GPU is unknown); anything else is a hardware GPU → `webgl` "<device> (hardware)".
 */
export function classifyGpu(rendererString: string | null): {
  renderer: TerminalRenderer
  reason: string
} {
  const s = rendererString?.trim() ?? ''
  if (!s) return { renderer: 'dom', reason: 'no WebGL' }
  for (const [re, reason] of SOFTWARE) {
    if (re.test(s)) return { renderer: 'dom', reason }
  }
  if (/^webkit webgl$/i.test(s)) return { renderer: 'dom', reason: 'GPU unknown (masked)' }
  return { renderer: 'webgl', reason: `${gpuName(s)} (hardware)` }
}

/**
 * Reads the renderer string of a throwaway canvas: WebGL2 (then WebGL1) with
 * `failIfMajorPerformanceCaveat: true`, UNMASKED_RENDERER_WEBGL from WEBGL_debug_renderer_info
 * (RENDERER when the extension is missing), then releases the context (WEBGL_lose_context) so
 * it does not count against Chromium's 16 live contexts. `null` when no context is created.
 */
export function readGpuRenderer(doc: Document = document): string | null {
  const canvas = doc.createElement('canvas')
  const attrs: WebGLContextAttributes = { failIfMajorPerformanceCaveat: true }
  const gl = canvas.getContext('webgl2', attrs) ?? canvas.getContext('webgl', attrs)
  if (!gl) return null
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const value: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)
    return typeof value === 'string' ? value : null
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  }
}

let detected: RendererChoice | undefined

/**
 * Detects the GPU once per page load (cached): `readGpuRenderer` then `classifyGpu`, with the
 * string read in `gpu`. Never throws: a failing probe counts as no WebGL.
 */
export function detectGpu(): RendererChoice {
  if (detected) return detected
  let gpu: string | null
  try {
    gpu = readGpuRenderer()
  } catch {
    gpu = null // a probe that throws is treated as no WebGL
  }
  detected = { ...classifyGpu(gpu), gpu }
  return detected
}

/** The override in localStorage: 'dom' | 'webgl', or 'auto' when unset, invalid or unreadable. */
export function readRendererOverride(): 'dom' | 'webgl' | 'auto' {
  try {
    const v = globalThis.localStorage?.getItem(RENDERER_OVERRIDE_KEY)
    return v === 'dom' || v === 'webgl' ? v : 'auto'
  } catch {
    return 'auto' // storage blocked
  }
}

/** The renderer for new panes: the override if set, else `detectGpu()`. */
export function chooseRenderer(): RendererChoice {
  const forced = readRendererOverride()
  if (forced === 'auto') return detectGpu()
  return { renderer: forced, reason: `forced by ${RENDERER_OVERRIDE_KEY}` }
}

/**
 * Applies `chooseRenderer()` to an opened xterm (call after `term.open`). For `webgl` it loads
 * the WebglAddon; if that throws, or the context is later lost (Chromium keeps at most 16 live
 * WebGL contexts per page), the addon is disposed, xterm is back on its DOM renderer, and
 * `onChange` is told why. `onChange` is called once at once with the starting choice.
 */
export function applyRenderer(term: Terminal, onChange: (c: RendererChoice) => void): void {
  const choice = chooseRenderer()
  if (choice.renderer === 'dom') return onChange(choice)
  const fallBack = (why: string) => {
    console.warn(`[replab] terminal renderer: ${why}; using the DOM renderer`)
    onChange({ renderer: 'dom', reason: why, gpu: choice.gpu })
  }
  let addon: WebglAddon | undefined
  try {
    addon = new WebglAddon()
    term.loadAddon(addon)
  } catch (err) {
    addon?.dispose()
    return fallBack(`WebGL failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  const loaded = addon
  loaded.onContextLoss(() => {
    loaded.dispose()
    fallBack('WebGL context lost')
  })
  onChange(choice)
}

/** Toolbar text of a choice: "DOM · SwiftShader (software)", "WebGL · … (hardware)". */
export function rendererLabel(c: RendererChoice): string {
  return `${c.renderer === 'webgl' ? 'WebGL' : 'DOM'} · ${c.reason}`
}
