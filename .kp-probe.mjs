import { createClient } from 'redis';
const c = createClient({ url: 'redis://127.0.0.1:6379', RESP: 2, disableOfflineQueue: true, commandOptions: { timeout: 500 } });
c.on('error', (e) => console.log('err event', e.message));
await c.connect();
console.log(await c.sendCommand(['XADD', 'kpprobe:s', 'MAXLEN', '~', '1000', '*', 'e', '{"a":1}']));
try { await c.sendCommand(['XGROUP', 'CREATE', 'kpprobe:s', 'g', '$', 'MKSTREAM']); } catch (e) { console.log('grp', e.message, e.constructor.name); }
await c.sendCommand(['XADD', 'kpprobe:s', '*', 'e', '{"a":2}']);
console.log(JSON.stringify(await c.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '10', 'BLOCK', '100', 'STREAMS', 'kpprobe:s', '>'])));
console.log(JSON.stringify(await c.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '10', 'BLOCK', '100', 'STREAMS', 'kpprobe:s', '>'])));
console.log(JSON.stringify(await c.sendCommand(['XAUTOCLAIM', 'kpprobe:s', 'g', 'c2', '0', '0-0', 'COUNT', '10'])));
try { await c.sendCommand(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0']); } catch (e) { console.log('noscript', e.message, e.constructor.name); }
console.log(await c.sendCommand(['EVAL', 'return {1, "x", 2.5}', '0']));
console.log(await c.sendCommand(['GET', 'kpprobe:none']));
try { await c.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '2000', 'STREAMS', 'kpprobe:s', '>'], { timeout: 300 }); } catch (e) { console.log('timeout', e.message, e.constructor.name); }
console.log('after timeout ping', await c.ping());
await c.del('kpprobe:s');
await c.close();
