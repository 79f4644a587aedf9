import { config } from 'zod'

/**
 * Switches zod (used through contract/ to validate wire frames) to its jitless mode: its JIT
 * probes `new Function`, which the console's CSP (no `unsafe-eval`) reports as a violation.
 * Imported first by main.tsx.
 */
config({ jitless: true })
