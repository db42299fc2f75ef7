#!/usr/bin/env node
// The installed `busfuzz` command: registers the TypeScript loader (tsx) and hands over to
// bin/main.ts, the one module that wires core/, sim/ and real/ together.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
