#!/usr/bin/env node
// The `replab` command. It runs the TypeScript sources through tsx, so `npx replab` works from a
// clone right after `npm install`, with no build step to forget.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../main/cli/index.ts')
await main(process.argv)
