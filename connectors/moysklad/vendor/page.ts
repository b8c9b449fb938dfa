import type { AppStatus } from '../../../ledger/index.ts';

// The solution's window as МойСклад shows it in an iframe: plain HTML and a few lines of script
// (no build step, nothing loaded from elsewhere). Everything said is Russian; every value that
// comes from outside is escaped.

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = `body{font:14px/1.45 -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#1f2d3d;margin:24px;max-width:720px}
h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:20px 0 8px}section{border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;margin:12px 0}
label{display:block;margin:6px 0}input[type=text],input[type=password]{display:block;margin-top:4px;width:100%;max-width:420px;padding:6px;box-sizing:border-box}
button{margin-top:8px;padding:6px 14px;cursor:pointer}.ok{color:#1a7f37}.err{color:#b42318}.key{font-family:monospace;background:#f3f5f7;padding:6px;word-break:break-all}`;

function shell(body: string, script = ''): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Копилка — программа лояльности</title><style>${STYLE}</style></head><body>${body}${script === '' ? '' : `<script>${script}</script>`}</body></html>`;
}

export function errorPage(message: string): string {
  return shell(`<h1>Копилка</h1><p class="err" id="error">${esc(message)}</p>`);
}

export interface WindowState {
  session: string;
  accountName: string | null;
  status: AppStatus;
  tenantId: string | null;
  loyaltyUrl: string | null;
}

// Posts a form's fields as JSON (the admin key, when asked for, as the Authorization header)
// and says the outcome; a new admin key is shown once, to be written down.
const SCRIPT = `const session=document.body.dataset.session;
function showKey(out,key){if(!key)return;const k=document.createElement('p');k.innerHTML='Ключ администратора новой организации — сохраните его, он показывается один раз:<div class="key"></div>';k.querySelector('.key').textContent=key;out.appendChild(k)}
async function send(path,form,key){const out=document.getElementById('result');out.className='';out.textContent='Подключаем…';
const body={session,externalSearch:document.getElementById('externalSearch').checked};
const name=form.querySelector('[name=name]');if(name)body.name=name.value;
const headers={'content-type':'application/json'};if(key)headers.authorization='Bearer '+key;
try{const r=await fetch(location.pathname+'/'+path,{method:'POST',headers,body:JSON.stringify(body)});const j=await r.json();
if(!r.ok){out.className='err';out.textContent=(j.error&&j.error.message)||('Ошибка '+r.status);showKey(out,j.error&&j.error.details&&j.error.details.adminKey);return}
out.className='ok';out.textContent='Готово: МойСклад подключён к организации '+j.tenantId+'. Кассы начисляют и списывают бонусы через Копилку.';
const w=j.webhooks;if(w){const n=document.createElement('p');n.textContent=w.refused?'Вебхуки не созданы ('+w.refused+'): продажи и возвраты, закрытые на кассе, всё равно приходят в Копилку через кассу.':'Вебхуки на розничные продажи и возвраты созданы.';out.appendChild(n)}
if(j.importStarted){const n=document.createElement('p');n.textContent='Идёт импорт покупателей (с суммой их покупок — уровни назначаются сразу) и товаров с группами.';out.appendChild(n)}
showKey(out,j.adminKey)}
catch(e){out.className='err';out.textContent='Нет связи с сервером Копилки: '+e.message}}
for(const f of document.querySelectorAll('form[data-path]'))f.addEventListener('submit',ev=>{ev.preventDefault();const k=f.querySelector('[name=adminKey]');send(f.dataset.path,f,k?k.value.trim():null)});`;

export function windowPage(s: WindowState): string {
  const linked = s.status === 'Activated' && s.tenantId !== null;
  const state = linked
    ? `<p class="ok">Подключено к организации Копилки <b>${esc(s.tenantId!)}</b>. Кассы МоегоСклада обращаются к ${esc(s.loyaltyUrl ?? 'Копилке')}.</p><p>Ниже можно подключить аккаунт к другой организации: прежний ключ кассы будет отозван.</p>`
    : '<p>Чтобы кассы МоегоСклада начисляли и списывали бонусы, подключите аккаунт к организации в Копилке.</p>';
  const again =
    !linked && s.tenantId !== null
      ? `<section><h2>Вернуться к прежней организации</h2><form data-path="relink"><p>Аккаунт раньше работал с организацией <b>${esc(s.tenantId)}</b>.</p><button>Подключить снова</button></form></section>`
      : '';
  const body = `<h1>Копилка — программа лояльности${s.accountName === null ? '' : ` для аккаунта «${esc(s.accountName)}»`}</h1>${state}${again}
<section><h2>Новая организация</h2><form data-path="tenant"><label>Название организации<input type="text" name="name" required maxlength="200" value="${esc(s.accountName ?? '')}"></label><button>Создать и подключить</button></form></section>
<section><h2>Уже есть организация в Копилке</h2><form data-path="link"><label>Ключ администратора (kp_admin_…)<input type="password" name="adminKey" required autocomplete="off"></label><button>Подключить</button></form></section>
<section><h2>Настройки</h2><label><input type="checkbox" id="externalSearch" checked> Искать покупателей в Копилке (по телефону и карте на кассе)</label></section>
<p id="result" role="status"></p>`;
  return shell(body, SCRIPT).replace('<body>', `<body data-session="${esc(s.session)}">`);
}
