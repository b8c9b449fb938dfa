import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isKopilkaError, Ledger, SecretBox, type CheckResult, type RefundOutcome, type SaleOutcome } from '../../ledger/index.ts';
import { createTestDatabase } from '../../test/postgres.ts';

// Every kind of promotion as a check in and a result out, produced by the real ledger against a
// real Postgres (a database of its own, dropped at the end), so the examples in EXAMPLES.md are
// what the service answers, not what someone remembers it answers. Run:
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx docs/promotions/examples.ts
// docs/promotions/examples.test.ts runs it into a temp file and checks the key figures, so a change
// in the rules that moves a figure fails a test instead of leaving the document wrong.

/** One call to the ledger: what went in and what came out (trimmed to the fields that matter). */
export interface Step {
  call: string;
  input?: unknown;
  output: unknown;
}

export interface Example {
  key: string;
  title: string;
  ru: string;
  en: string;
  /** The part of the program that makes the example (promotions, modifiers, a setting). */
  program: unknown;
  steps: Step[];
}

/** The clock the ledger runs on: Monday 23 November 2026, 20:00 Moscow time. */
const NOW = Date.parse('2026-11-23T20:00:00+03:00');
const at = (hhmm: string) => `2026-11-23T${hhmm}:00+03:00`;
const BASE_LEVEL = { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 };

/** A line of `units` pieces at `rub` roubles each (quantities in thousandths, money in kopecks). */
function line(lineNo: number, productId: string, groupId: string, units: number, rub: number) {
  return { lineNo, productId, groupId, quantity: units * 1000, price: rub * 100, amount: units * rub * 100 };
}

function trimCheck(r: CheckResult) {
  const { amount, discount, redeemed, toPay, accrued, maxRedeem } = r.totals;
  return {
    totals: { amount, discount, redeemed, toPay, accrued, maxRedeem },
    lines: r.lines.map((l) => ({ lineNo: l.lineNo, discount: l.discount, redeemed: l.redeemed, accrued: l.accrued, ...(l.promotions ? { promotions: l.promotions } : {}) })),
    messages: r.messages,
    ...(r.giftcards ? { giftcards: r.giftcards } : {}),
  };
}

const sold = (r: SaleOutcome) => (r.status === 'recorded' ? trimCheck(r.answer) : r);
const returned = (r: RefundOutcome) => (r.status === 'recorded' ? { totals: r.answer.totals, lines: r.answer.lines, messages: r.answer.messages } : r);

/** A refusal is an answer too: its stable code and the message the cashier reads. */
async function orRefusal<T>(p: Promise<T>): Promise<T | { error: { code: string; message: string } }> {
  try {
    return await p;
  } catch (e) {
    if (isKopilkaError(e)) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

/** The examples, each on a tenant of its own so that one example's promotions do not touch another's check. */
export async function runExamples(ledger: Ledger): Promise<{ examples: Example[]; masks: Map<string, string> }> {
  const masks = new Map<string, string>();
  const examples: Example[] = [];
  let shop = 0;
  const tenant = async (program: Record<string, unknown>) => {
    const t = (await ledger.createTenant(`Примеры ${++shop}`, 'month', { levels: [BASE_LEVEL], ...program })).id;
    const phone = `+7916000${String(1000 + shop).padStart(4, '0')}`;
    const c = await ledger.registerCustomer(t, { phone });
    return { t, phone, customerId: c.id };
  };
  const ctx = { ledger, tenant, masks };
  for (const make of [happyHours, eveningBoost, groupOffer, bundle, byQuantity, bySum, freeProduct, bonusOnTop, minCheck, notPayable, issuedCoupon, unknownCoupon, budget, stacking, giftcard, lifetime, audience]) {
    examples.push(await make(ctx));
  }
  return { examples, masks };
}

type Ctx = {
  ledger: Ledger;
  tenant: (program: Record<string, unknown>) => Promise<{ t: string; phone: string; customerId: string }>;
  masks: Map<string, string>;
};

async function happyHours({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'hh', name: 'Счастливые часы', when: { groupIds: ['drinks'], hours: { from: 11, to: 13 }, weekdays: [1, 2, 3, 4, 5] }, effect: { type: 'percent', percent: 20 } }];
  const { t, phone } = await tenant({ promotions });
  const noon = { externalId: 'hh-1', occurredAt: at('12:00'), customer: { phone }, lines: [line(1, 'coffee', 'drinks', 2, 150), line(2, 'cake', 'bakery', 1, 200)] };
  const four = { ...noon, externalId: 'hh-2', occurredAt: at('16:00') };
  const refund = { externalId: 'hh-1-r', lines: [{ lineNo: 1, quantity: 1000 }] };
  return {
    key: 'happyHours',
    title: 'Счастливые часы / Happy hours',
    ru: 'Напитки −20 % с 11 до 13 по будням; в 16:00 та же корзина без скидки; возврат одного кофе возвращает половину скидки строки.',
    en: 'Drinks −20 % 11:00–13:00 on weekdays; at 16:00 the same basket gets nothing; returning one coffee returns half the line\'s discount.',
    program: { promotions },
    steps: [
      { call: 'calculate (Mon 12:00)', input: noon, output: trimCheck(await ledger.calculate(t, noon)) },
      { call: 'calculate (Mon 16:00)', input: four, output: trimCheck(await ledger.calculate(t, four)) },
      { call: 'commit (Mon 12:00)', input: { externalId: noon.externalId, '…': 'the same check' }, output: sold(await ledger.commit(t, 'api', noon)) },
      { call: 'refund hh-1 (one coffee)', input: refund, output: returned(await ledger.refund(t, 'api', 'hh-1', refund)) },
    ],
  };
}

async function eveningBoost({ ledger, tenant }: Ctx): Promise<Example> {
  const modifiers = [{ when: { hours: { from: 18, to: 22 } }, accrualMultiplier: 2 }];
  const { t, phone } = await tenant({ modifiers });
  const evening = { externalId: 'boost-1', occurredAt: at('19:00'), customer: { phone }, lines: [line(1, 'pizza', 'food', 1, 800)] };
  const day = { ...evening, externalId: 'boost-2', occurredAt: at('12:00') };
  return {
    key: 'eveningBoost',
    title: 'Повышенное начисление по времени / Accrual boost by time (modifier)',
    ru: 'С 18 до 22 бонусы ×2: 5 % от 800 ₽ = 40 бонусов днём, 80 вечером; скидки нет.',
    en: 'From 18:00 to 22:00 bonuses ×2: 5 % of 800 ₽ is 40 points by day, 80 in the evening; no discount.',
    program: { modifiers },
    steps: [
      { call: 'calculate (19:00)', input: evening, output: trimCheck(await ledger.calculate(t, evening)) },
      { call: 'calculate (12:00)', input: day, output: trimCheck(await ledger.calculate(t, day)) },
    ],
  };
}

async function groupOffer({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'bakery15', name: 'Выпечка −15 %', period: { from: '2026-11-01', to: '2026-11-30' }, when: { groupIds: ['bakery'] }, effect: { type: 'percent', percent: 15 } }];
  const { t, phone } = await tenant({ promotions });
  const c = { externalId: 'grp-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'croissant', 'bakery', 2, 120), line(2, 'tea', 'drinks', 1, 90)] };
  return {
    key: 'groupOffer',
    title: 'Предложение на группу товаров / Product-group offer',
    ru: 'Весь ноябрь выпечка −15 %: 240 ₽ круассанов → скидка 36 ₽, чай без скидки; бонусы — с оплаченной суммы.',
    en: 'All November the bakery group is −15 %: 240 ₽ of croissants → 36 ₽ off, the tea is untouched; bonuses accrue on what is paid.',
    program: { promotions },
    steps: [{ call: 'calculate', input: c, output: trimCheck(await ledger.calculate(t, c)) }],
  };
}

async function bundle({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'combo', name: 'Кофе + десерт −15 %', effect: { type: 'bundle', productIds: ['coffee', 'cake'], percent: 15 } }];
  const { t, phone } = await tenant({ promotions });
  const both = { externalId: 'combo-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'coffee', 'drinks', 1, 200), line(2, 'cake', 'bakery', 1, 300), line(3, 'water', 'drinks', 1, 100)] };
  const alone = { ...both, externalId: 'combo-2', lines: [both.lines[0]!, both.lines[2]!] };
  return {
    key: 'bundle',
    title: 'Комплект (A + B → скидка) / Bundle (A + B get X)',
    ru: 'Кофе и десерт вместе — оба −15 % (30 ₽ + 45 ₽), вода не в комплекте; кофе без десерта — без скидки.',
    en: 'Coffee and cake together are both −15 % (30 ₽ + 45 ₽), the water is not in the set; coffee without cake gets nothing.',
    program: { promotions },
    steps: [
      { call: 'calculate (coffee + cake + water)', input: both, output: trimCheck(await ledger.calculate(t, both)) },
      { call: 'calculate (coffee + water)', input: alone, output: trimCheck(await ledger.calculate(t, alone)) },
    ],
  };
}

async function byQuantity({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'water', name: 'Вода: больше — дешевле', when: { productIds: ['water'] }, effect: { type: 'byQuantity', steps: [{ from: 3000, percent: 10 }, { from: 6000, percent: 20 }] } }];
  const { t, phone } = await tenant({ promotions });
  const four = { externalId: 'qty-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'water', 'drinks', 4, 50)] };
  const six = { ...four, externalId: 'qty-2', lines: [line(1, 'water', 'drinks', 6, 50)] };
  return {
    key: 'byQuantity',
    title: 'Каскад по количеству / Cascading by quantity',
    ru: 'От 3 бутылок воды −10 %, от 6 — −20 %: 4 × 50 ₽ → скидка 20 ₽, 6 × 50 ₽ → 60 ₽ (количество в тысячных: 3000 = 3 шт.).',
    en: 'From 3 bottles −10 %, from 6 −20 %: 4 × 50 ₽ → 20 ₽ off, 6 × 50 ₽ → 60 ₽ off (quantities in thousandths: 3000 = 3 pcs).',
    program: { promotions },
    steps: [
      { call: 'calculate (4 pcs)', input: four, output: trimCheck(await ledger.calculate(t, four)) },
      { call: 'calculate (6 pcs)', input: six, output: trimCheck(await ledger.calculate(t, six)) },
    ],
  };
}

async function bySum({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'bysum', name: 'Чем больше чек, тем больше скидка', effect: { type: 'bySum', steps: [{ from: 100_000, percent: 5 }, { from: 300_000, percent: 10 }] } }];
  const { t, phone } = await tenant({ promotions });
  const small = { externalId: 'sum-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'shirt', 'clothes', 1, 1500)] };
  const big = { ...small, externalId: 'sum-2', lines: [line(1, 'shirt', 'clothes', 1, 1500), line(2, 'jeans', 'clothes', 1, 2000)] };
  return {
    key: 'bySum',
    title: 'Каскад по сумме / Cascading by sum',
    ru: 'От 1 000 ₽ −5 %, от 3 000 ₽ −10 %: чек 1 500 ₽ → 75 ₽, чек 3 500 ₽ → 350 ₽ (скидка делится по строкам).',
    en: 'From 1,000 ₽ −5 %, from 3,000 ₽ −10 %: a 1,500 ₽ check → 75 ₽ off, a 3,500 ₽ check → 350 ₽ off (per line).',
    program: { promotions },
    steps: [
      { call: 'calculate (1 500 ₽)', input: small, output: trimCheck(await ledger.calculate(t, small)) },
      { call: 'calculate (3 500 ₽)', input: big, output: trimCheck(await ledger.calculate(t, big)) },
    ],
  };
}

async function freeProduct({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'cake-gift', name: 'Десерт в подарок', coupons: ['CAKE'], effect: { type: 'gift', productId: 'cake', quantity: 1000 } }];
  const { t, phone } = await tenant({ promotions });
  const c = { externalId: 'gift-1', occurredAt: at('10:00'), customer: { phone }, coupon: 'cake', lines: [line(1, 'coffee', 'drinks', 1, 200), line(2, 'cake', 'bakery', 2, 150)] };
  return {
    key: 'freeProduct',
    title: 'Товар в подарок / Product free (gift effect)',
    ru: 'По купону CAKE один десерт бесплатно: из двух по 150 ₽ второй оплачивается; регистр кода не важен.',
    en: 'With the coupon CAKE one cake is free: of two at 150 ₽ the second is paid; the code\'s case does not matter.',
    program: { promotions },
    steps: [{ call: 'calculate', input: c, output: trimCheck(await ledger.calculate(t, c)) }],
  };
}

async function bonusOnTop({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'x50', name: 'Бонусы к кофе', when: { groupIds: ['drinks'] }, effect: { type: 'bonus', points: 5_000 } }];
  const { t, phone } = await tenant({ promotions });
  const c = { externalId: 'bonus-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'coffee', 'drinks', 1, 300), line(2, 'bun', 'bakery', 1, 100)] };
  const refund = { externalId: 'bonus-1-r', lines: [{ lineNo: 2, quantity: 1000 }] };
  return {
    key: 'bonusOnTop',
    title: 'Бонусы сверху / Bonuses on top (bonus effect)',
    ru: 'За чек с напитком +50 бонусов к обычным 5 %; они делятся по оплаченным строкам (37,50 + 12,50), и возврат булочки забирает её долю.',
    en: 'A check with a drink gets +50 points on top of the 5 %; they are split over the paid lines (37.50 + 12.50), and returning the bun takes back its share.',
    program: { promotions },
    steps: [
      { call: 'commit', input: c, output: sold(await ledger.commit(t, 'api', c)) },
      { call: 'refund bonus-1 (the bun)', input: refund, output: returned(await ledger.refund(t, 'api', 'bonus-1', refund)) },
    ],
  };
}

async function minCheck({ ledger, tenant }: Ctx): Promise<Example> {
  const { t, phone, customerId } = await tenant({ minCheckForRedeem: 100_000 });
  await ledger.grant(t, customerId, { points: 50_000, key: 'start', reason: 'пример' });
  const small = { externalId: 'min-1', occurredAt: at('10:00'), customer: { phone }, redeem: 10_000, lines: [line(1, 'tea', 'drinks', 1, 800)] };
  const big = { ...small, externalId: 'min-2', redeem: 'max', lines: [line(1, 'tea', 'drinks', 1, 1200)] };
  return {
    key: 'minCheck',
    title: 'Минимальный чек для оплаты бонусами / Minimum check for bonus payment',
    ru: 'Бонусами платят от 1 000 ₽: на чек 800 ₽ оплата 100 бонусами отклоняется с причиной; на чек 1 200 ₽ можно до 50 %.',
    en: 'Bonuses pay only for checks from 1,000 ₽: paying 100 points on an 800 ₽ check is refused with the reason; on 1,200 ₽ up to 50 %.',
    program: { minCheckForRedeem: 100_000 },
    steps: [
      { call: 'calculate (800 ₽, redeem 100)', input: small, output: await orRefusal(ledger.calculate(t, small).then(trimCheck)) },
      { call: 'calculate (800 ₽, redeem max)', input: { ...small, externalId: 'min-1b', redeem: 'max' }, output: trimCheck(await ledger.calculate(t, { ...small, externalId: 'min-1b', redeem: 'max' })) },
      { call: 'calculate (1 200 ₽, redeem max)', input: big, output: trimCheck(await ledger.calculate(t, big)) },
    ],
  };
}

async function notPayable({ ledger, tenant }: Ctx): Promise<Example> {
  const modifiers = [{ when: { groupIds: ['promo'] }, maxRedeemPercent: 0 }];
  const { t, phone, customerId } = await tenant({ modifiers });
  await ledger.grant(t, customerId, { points: 100_000, key: 'start', reason: 'пример' });
  const c = { externalId: 'np-1', occurredAt: at('10:00'), customer: { phone }, redeem: 'max', lines: [line(1, 'promo-oil', 'promo', 1, 400), line(2, 'bread', 'bakery', 1, 100)] };
  return {
    key: 'notPayable',
    title: 'Акционный товар нельзя оплатить бонусами / Promotional goods not payable by bonuses',
    ru: 'Модификатор maxRedeemPercent: 0 на группу promo: бонусами оплачивается только хлеб (50 % от 100 ₽), масло по акции — деньгами.',
    en: 'A modifier maxRedeemPercent: 0 on the promo group: bonuses pay only for the bread (50 % of 100 ₽); the promotional oil is paid in money.',
    program: { modifiers },
    steps: [{ call: 'commit (redeem max)', input: c, output: sold(await ledger.commit(t, 'api', c)) }],
  };
}

async function issuedCoupon({ ledger, tenant, masks }: Ctx): Promise<Example> {
  const promotions = [{ id: 'welcome', name: 'Купон новичка', issuedCoupons: true, effect: { type: 'percent', percent: 20 } }];
  const { t, phone } = await tenant({ promotions });
  const issue = { count: 1, uses: 1, validTo: '2026-12-31', prefix: 'W-' };
  const { codes } = await ledger.issueCoupons(t, 'welcome', issue);
  const code = codes[0]!;
  masks.set(code, 'W-<код>');
  const sale = (externalId: string) => ({ externalId, occurredAt: at('10:00'), customer: { phone }, coupon: code, lines: [line(1, 'dress', 'clothes', 1, 500)] });
  const steps: Step[] = [{ call: 'POST /v1/promotions/welcome/coupons', input: issue, output: { codes: [code] } }];
  steps.push({ call: 'calculate c-1 (holds the code for c-1)', input: sale('c-1'), output: trimCheck(await ledger.calculate(t, sale('c-1'))) });
  steps.push({ call: 'calculate c-2 (another check, meanwhile)', input: sale('c-2'), output: trimCheck(await ledger.calculate(t, sale('c-2'))) });
  steps.push({ call: 'commit c-1 (spends it)', input: sale('c-1'), output: sold(await ledger.commit(t, 'api', sale('c-1'))) });
  steps.push({ call: 'commit c-3 (the same code again)', input: sale('c-3'), output: sold(await ledger.commit(t, 'api', sale('c-3'))) });
  steps.push({ call: 'refund c-1 (whole sale)', input: { externalId: 'c-1-r' }, output: returned(await ledger.refund(t, 'api', 'c-1', { externalId: 'c-1-r' })) });
  steps.push({ call: 'commit c-4 (the code is back)', input: sale('c-4'), output: sold(await ledger.commit(t, 'api', sale('c-4'))) });
  return {
    key: 'issuedCoupon',
    title: 'Выпущенный одноразовый купон / Issued single-use coupon',
    ru: 'calculate откладывает код за своим чеком (другой чек слышит «отложен»), commit его тратит, повтор — «уже использован», чек проходит без скидки; полный возврат возвращает код.',
    en: 'calculate holds the code for its check (another check is told it is held), commit spends it, a second use is refused with a message and the check still goes through; a full refund gives the code back.',
    program: { promotions },
    steps,
  };
}

async function unknownCoupon({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'autumn', name: 'Осенний купон', coupons: ['AUTUMN'], effect: { type: 'percent', percent: 10 } }];
  const { t, phone } = await tenant({ promotions });
  const c = { externalId: 'unk-1', occurredAt: at('10:00'), customer: { phone }, coupon: 'SPRING', lines: [line(1, 'scarf', 'clothes', 1, 700)] };
  return {
    key: 'unknownCoupon',
    title: 'Неизвестный купон / An unknown coupon',
    ru: 'Кода SPRING нет в программе: чек не отклоняется, проходит без скидки, а в messages — «не найден».',
    en: 'The program has no code SPRING: the check is not refused, it goes through without a discount and messages say «не найден» (not found).',
    program: { promotions },
    steps: [{ call: 'commit', input: c, output: sold(await ledger.commit(t, 'api', c)) }],
  };
}

async function budget({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [
    { id: 'limited', name: 'Чёрная пятница', effect: { type: 'percent', percent: 10 }, stacking: 'best', priority: 1, budget: { discount: 15_000 } },
    { id: 'always', name: 'Всегда −3 %', effect: { type: 'percent', percent: 3 }, stacking: 'best' },
  ];
  const { t, phone } = await tenant({ promotions });
  const sale = (externalId: string, rub: number) => ({ externalId, occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'tv', 'electronics', 1, rub)] });
  return {
    key: 'budget',
    title: 'Бюджет акции заканчивается / A budget running out',
    ru: 'Бюджет 150 ₽ скидки: первый чек берёт 100 ₽; второму нужно 100 ₽ из оставшихся 50 ₽ — он идёт без акции (действует следующая, −3 %) с сообщением; чек поменьше (300 ₽ → 30 ₽) ещё влезает.',
    en: 'A 150 ₽ discount budget: the first check takes 100 ₽; the second needs 100 ₽ of the 50 ₽ left, so it goes without it (the next promotion, −3 %, applies) with a message; a smaller check (300 ₽ → 30 ₽) still fits.',
    program: { promotions },
    steps: [
      { call: 'commit b-1 (1 000 ₽)', input: sale('b-1', 1000), output: sold(await ledger.commit(t, 'api', sale('b-1', 1000))) },
      { call: 'commit b-2 (1 000 ₽)', input: sale('b-2', 1000), output: sold(await ledger.commit(t, 'api', sale('b-2', 1000))) },
      { call: 'commit b-3 (300 ₽)', input: sale('b-3', 300), output: sold(await ledger.commit(t, 'api', sale('b-3', 300))) },
    ],
  };
}

async function stacking({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [
    { id: 'vip', name: 'VIP −30 %', coupons: ['VIP'], effect: { type: 'percent', percent: 30 }, stacking: 'exclusive' },
    { id: 'drinks10', name: 'Напитки −10 %', when: { groupIds: ['drinks'] }, effect: { type: 'percent', percent: 10 }, stacking: 'best' },
    { id: 'all15', name: 'Всё −15 %', effect: { type: 'percent', percent: 15 }, stacking: 'best' },
    { id: 'extra5', name: 'Ещё −5 %', effect: { type: 'percent', percent: 5 }, stacking: 'combinable' },
  ];
  const { t, phone } = await tenant({ promotions });
  const plain = { externalId: 'st-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'coffee', 'drinks', 1, 200), line(2, 'cake', 'bakery', 1, 300)] };
  const vip = { ...plain, externalId: 'st-2', coupon: 'VIP' };
  return {
    key: 'stacking',
    title: 'Сочетание акций: exclusive / best / combinable / Stacking',
    ru: 'Без купона строка берёт лучшую из best (15 % > 10 %), потом combinable −5 % с остатка (кофе 200 ₽ → 30 + 8,50 ₽); с купоном VIP действует только exclusive −30 %.',
    en: 'Without a coupon each line takes the best of the `best` ones (15 % > 10 %), then the combinable −5 % of what is left (a 200 ₽ coffee → 30 + 8.50 ₽); with the VIP coupon only the exclusive −30 % applies.',
    program: { promotions },
    steps: [
      { call: 'calculate (no coupon)', input: plain, output: trimCheck(await ledger.calculate(t, plain)) },
      { call: 'calculate (coupon VIP)', input: vip, output: trimCheck(await ledger.calculate(t, vip)) },
    ],
  };
}

async function giftcard({ ledger, tenant, masks }: Ctx): Promise<Example> {
  const { t, phone } = await tenant({});
  const issue = { count: 1, nominal: 100_000, validDays: 365, prefix: 'GC-' };
  const { codes } = await ledger.issueGiftcards(t, issue);
  const code = codes[0]!;
  masks.set(code, 'GC-<код>');
  const card = (v: { code: string; status: string; nominal: number; balance: number }) => ({ code: v.code, status: v.status, nominal: v.nominal, balance: v.balance });
  const activated = await ledger.activateGiftcard(t, code, 'pos', {});
  const c = {
    externalId: 'gc-1',
    occurredAt: at('10:00'),
    customer: { phone },
    lines: [line(1, 'flowers', 'flowers', 1, 1000)],
    payments: [
      { type: 'giftcard', code, amount: 60_000 },
      { type: 'card', amount: 40_000 },
    ],
  };
  return {
    key: 'giftcard',
    title: 'Подарочный сертификат как оплата / Gift certificate as payment',
    ru: 'Сертификат на 1 000 ₽ выпущен и продан; чек 1 000 ₽: 600 ₽ сертификатом, 400 ₽ картой — на сертификате остаётся 400 ₽, бонусы (5 %) только с 400 ₽.',
    en: 'A 1,000 ₽ certificate is issued and sold; a 1,000 ₽ check: 600 ₽ by certificate, 400 ₽ by card — 400 ₽ stays on it, and bonuses (5 %) accrue on the 400 ₽ only.',
    program: {},
    steps: [
      { call: 'POST /v1/giftcards (issue)', input: issue, output: { codes: [code], nominal: 100_000 } },
      { call: `POST /v1/giftcards/${code}/activate`, input: {}, output: card(activated.giftcard) },
      { call: 'calculate', input: c, output: trimCheck(await ledger.calculate(t, c)) },
      { call: 'commit', input: { externalId: c.externalId, '…': 'the same check' }, output: sold(await ledger.commit(t, 'pos', c)) },
      { call: `GET /v1/giftcards/${code}`, output: card((await ledger.giftcardNow(t, code))!) },
    ],
  };
}

async function lifetime({ ledger, tenant }: Ctx): Promise<Example> {
  const modifiers = [{ when: { groupIds: ['promo'] }, activationDays: 0, lifetimeDays: 7 }];
  const { t, phone, customerId } = await tenant({ activationDays: 14, modifiers });
  const c = { externalId: 'life-1', occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'promo-juice', 'promo', 1, 400), line(2, 'cheese', 'dairy', 1, 600)] };
  const committed = sold(await ledger.commit(t, 'api', c));
  const summary = await ledger.customer(t, { id: customerId });
  return {
    key: 'lifetime',
    title: 'Срок жизни бонусов по правилу / Bonus lifetime by rule (modifier)',
    ru: 'Бонусы за акционный товар доступны сразу и сгорают через 7 дней (activationDays 0, lifetimeDays 7); остальные — как в программе: через 14 дней, без сгорания.',
    en: 'Bonuses for promotional goods are spendable at once and burn in 7 days (activationDays 0, lifetimeDays 7); the rest follow the program: spendable in 14 days, never burning.',
    program: { activationDays: 14, modifiers },
    steps: [
      { call: 'commit', input: c, output: committed },
      { call: 'customer balance', output: summary.balance },
      { call: 'bonus schedule (activating / burning)', output: await ledger.bonusSchedule(t, customerId) },
    ],
  };
}

async function audience({ ledger, tenant }: Ctx): Promise<Example> {
  const promotions = [{ id: 'regulars', name: 'Постоянным −10 %', when: { segment: { minPurchases: 3 } }, effect: { type: 'percent', percent: 10 } }];
  const { t, phone } = await tenant({ promotions });
  const sale = (externalId: string) => ({ externalId, occurredAt: at('10:00'), customer: { phone }, lines: [line(1, 'beans', 'coffee', 1, 600)] });
  // Two purchases before the example: the customer starts it with 2.
  for (const id of ['seg-0a', 'seg-0b']) await ledger.commit(t, 'api', sale(id));
  const anonymous = { externalId: 'seg-5', occurredAt: at('10:00'), lines: [line(1, 'beans', 'coffee', 1, 600)] };
  return {
    key: 'audience',
    title: 'Аудитория по сегменту / Audience by segment',
    ru: 'Скидка 10 % клиентам от 3 покупок (segment.minPurchases 3): у клиента 2 покупки — его 3-я (600 ₽) без скидки, покупки считаются до чека; после неё следующий чек −60 ₽; анонимный чек не в сегменте.',
    en: '10 % off for customers with at least 3 purchases (segment.minPurchases 3): with 2 purchases the customer\'s 3rd (600 ₽) gets nothing, purchases count before the check; after it the next check is −60 ₽; an anonymous check is in no segment.',
    program: { promotions },
    steps: [
      { call: 'calculate seg-3 (2 purchases so far)', input: sale('seg-3'), output: trimCheck(await ledger.calculate(t, sale('seg-3'))) },
      { call: 'commit seg-3 (the 3rd purchase)', input: { externalId: 'seg-3', '…': 'the same check' }, output: sold(await ledger.commit(t, 'api', sale('seg-3'))) },
      { call: 'calculate seg-4 (3 purchases)', input: sale('seg-4'), output: trimCheck(await ledger.calculate(t, sale('seg-4'))) },
      { call: 'commit seg-4', input: { externalId: 'seg-4', '…': 'the same check' }, output: sold(await ledger.commit(t, 'api', sale('seg-4'))) },
      { call: 'calculate seg-5 (anonymous)', input: anonymous, output: trimCheck(await ledger.calculate(t, anonymous)) },
    ],
  };
}

// ── the document ──

/** JSON on one line, with a space after commas and colons (outside strings). */
function oneLine(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(oneLine).join(', ')}]`;
  if (x !== null && typeof x === 'object') return `{${Object.entries(x).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
  return JSON.stringify(x);
}

/** JSON indented, but a value whose one-line form is short stays on one line (a line of a check, a total). */
function pretty(x: unknown, indent = ''): string {
  const flat = oneLine(x);
  if (x === null || typeof x !== 'object' || flat.length + indent.length <= 120) return flat;
  const inner = indent + '  ';
  if (Array.isArray(x)) return `[\n${x.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  return `{\n${Object.entries(x).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
}

function json(x: unknown, masks: Map<string, string>): string {
  let s = pretty(x);
  for (const [code, mask] of masks) s = s.split(code).join(mask);
  return s;
}

export function renderExamples(examples: Example[], masks: Map<string, string>): string {
  const out = [
    '# Promotions: examples / Акции: примеры',
    '',
    'Generated by `node --import tsx docs/promotions/examples.ts` from the real ledger on a real Postgres',
    '(a database of its own, dropped after); `docs/promotions/examples.test.ts` checks the key figures. Do not edit by hand.',
    'Money is in kopecks, points and bonuses in hundredths, quantities in thousandths. The ledger\'s clock is',
    'Monday 23 Nov 2026, 20:00 Moscow; each example is a tenant of its own with one level (5 % accrual, up to 50 % payable',
    'by bonuses). Results are trimmed to totals, lines and messages. Issued codes are random and shown as `W-<код>`, `GC-<код>`.',
    '',
    ...examples.map((e, i) => `${i + 1}. [${e.title}](#${i + 1})`),
    '',
  ];
  examples.forEach((e, i) => {
    out.push(`<a id="${i + 1}"></a>`, `## ${i + 1}. ${e.title}`, '', `${e.ru}`, '', `*${e.en}*`, '', 'Program (part):', '', '```json', json(e.program, masks), '```', '');
    for (const s of e.steps) {
      out.push(`**\`${json(s.call, masks).slice(1, -1)}\`**`, '');
      if (s.input !== undefined) out.push('Check in:', '', '```json', json(s.input, masks), '```', '');
      out.push('Result out:', '', '```json', json(s.output, masks), '```', '');
    }
  });
  return out.join('\n');
}

/** Makes a database, runs the examples, writes the document to `file`, drops the database. */
export async function generateExamples(file: string): Promise<Example[]> {
  const db = await createTestDatabase('kopilka_examples');
  let ledger: Ledger | undefined;
  try {
    ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)), now: () => NOW });
    const { examples, masks } = await runExamples(ledger);
    await writeFile(file, renderExamples(examples, masks));
    return examples;
  } finally {
    await ledger?.close();
    await db.drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.KOPILKA_TEST_PG_URL ??= process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const file = fileURLToPath(new URL('./EXAMPLES.md', import.meta.url));
  const examples = await generateExamples(file);
  console.log(`${examples.length} examples written to ${file}`);
}
