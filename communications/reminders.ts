import { zoneOffset } from '../ledger/index.ts';
import { speak } from './automatic.ts';
import type { Communications } from './service.ts';
import { rules } from './settings.ts';
import { localMidnight } from './templates.ts';

// Sweeps that are not ledger events: bonuses about to burn (N days before, the tenant's
// `burnDaysBefore`), birthdays and relatives' birthdays. Run every hour by pg-boss's scheduler in the sending process;
// each message has a dedupe key for its occasion, so the hourly runs make it once, and quiet hours
// hold it till morning.

const DAY = 86_400_000;

export async function sweepReminders(comms: Communications, now = Date.now()): Promise<number> {
  let made = 0;
  for (const tenantId of await comms.o.ledger.tenantIds()) {
    const offset = zoneOffset(await comms.o.ledger.timeZone(tenantId))(now);
    const today = localMidnight(now, offset);
    const r = await rules(comms.o.ledger, tenantId);
    // The local day N days ahead: bonuses burning within it are announced today.
    const from = new Date(today.getTime() + r.burnDaysBefore * DAY);
    const burning = await comms.o.ledger.expiringBonuses(tenantId, from, new Date(from.getTime() + DAY));
    for (const b of burning) {
      const m = await speak(comms, tenantId, b.customerId, 'burnSoon', { points: b.points, at: b.expiresAt }, `burnSoon:${b.customerId}:${from.toISOString().slice(0, 10)}`);
      if (m !== null) made++;
    }
    const local = new Date(now + offset * 60_000).toISOString();
    for (const customerId of await comms.o.ledger.birthdaysOn(tenantId, local.slice(5, 10))) {
      const m = await speak(comms, tenantId, customerId, 'birthday', { points: null, at: new Date(now).toISOString() }, `birthday:${customerId}:${local.slice(0, 4)}`);
      if (m !== null) made++;
    }
    // The relative is named by their place in the customer's list: no name in the dedupe key.
    for (const r of await comms.o.ledger.relativeBirthdaysOn(tenantId, local.slice(5, 10))) {
      const key = `relativeBirthday:${r.customerId}:${r.index}:${local.slice(0, 4)}`;
      if ((await speak(comms, tenantId, r.customerId, 'relativeBirthday', { points: null, at: new Date(now).toISOString(), relative: r.relative }, key)) !== null) made++;
    }
  }
  return made;
}
