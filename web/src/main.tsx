import { ConfigProvider } from 'antd';
import ruRU from 'antd/locale/ru_RU';
import dayjs from 'dayjs';
import 'dayjs/locale/ru';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Cabinet } from './cabinet/Cabinet';
import { Cashier } from './cashier/Cashier';
import { Feedback } from './customer/Feedback';
import { Join } from './customer/Join';
import { Me } from './customer/Me';
import { Home } from './Home';

// One app for every page: the server answers index.html at each page's address and the path
// picks the page. Navigation inside a page is pushState; `navigate` is the only router.

dayjs.locale('ru');

function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const on = () => setPath(window.location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
}

function App() {
  const path = usePath();
  if (path.startsWith('/cabinet')) return <Cabinet path={path} />;
  if (path.startsWith('/cashier')) return <Cashier />;
  const feedback = /^\/feedback\/([^/]+)/.exec(path);
  if (feedback) return <Feedback token={decodeURIComponent(feedback[1]!)} />;
  const tenant = /^\/(me|join)\/([^/]+)/.exec(path);
  if (tenant?.[1] === 'me') return <Me tenantId={decodeURIComponent(tenant[2]!)} />;
  if (tenant?.[1] === 'join') return <Join tenantId={decodeURIComponent(tenant[2]!)} />;
  return <Home />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={ruRU} theme={{ token: { colorPrimary: '#d4380d', borderRadius: 8 } }}>
      <App />
    </ConfigProvider>
  </StrictMode>,
);
