// Quick probe of the live-events figure (not part of `npm run bench`): WATCHERS (1000) watchers.
import { measureLive } from './live';
const watchers = Number(process.env.WATCHERS ?? 1000);
const figures = await measureLive({ watchers, events: 100, perSecond: 10 });
console.log(JSON.stringify(figures));
process.exit(0);
