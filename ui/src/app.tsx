// The shell: ask the server who we are (GET /session), then show the login page or the page the
// address names. A 401 anywhere means the session ended (logged out elsewhere, expired, password
// changed): back to the login page. Whether single sign-on is offered comes from the server, in a
// <meta name="mooring-sso"> tag it writes into index.html.
import { useEffect, useState } from "preact/hooks";
import { ApiRequestError, getSession, logOut, setCsrfToken, type WhoAmI } from "./api.ts";
import { CONTENT_ID, Header } from "./components/header.tsx";
import { ApplicationPage } from "./pages/application.tsx";
import { ApplicationsPage } from "./pages/applications.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { ClustersPage } from "./pages/clusters.tsx";
import { LoginPage } from "./pages/login.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { StackPage } from "./pages/stack.tsx";
import { StacksPage } from "./pages/stacks.tsx";
import { navigate, useLocation } from "./router.ts";

type Session = { state: "checking" } | { state: "anonymous" } | { state: "in"; who: WhoAmI };

const ssoConfigured = document.querySelector('meta[name="mooring-sso"]')?.getAttribute("content") === "on";

export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });
  const location = useLocation();

  useEffect(() => {
    getSession()
      .then((who) => enter(who))
      .catch((err: unknown) => {
        if (!(err instanceof ApiRequestError && err.status === 401)) console.warn("GET /session failed", err);
        setSession({ state: "anonymous" });
      });
  }, []);

  const enter = (who: WhoAmI) => {
    setCsrfToken(who.csrfToken);
    setSession({ state: "in", who });
    if (window.location.pathname === "/" || window.location.pathname === "/login") {
      navigate("/applications", { replace: true });
    }
  };

  const logout = async () => {
    try {
      await logOut();
    } catch {
      // Already ended on the server: the result for the user is the same.
    }
    setCsrfToken(undefined);
    setSession({ state: "anonymous" });
    navigate("/login");
  };

  if (session.state === "checking") return <p class="muted page">Loading…</p>;
  if (session.state === "anonymous") return <LoginPage sso={ssoConfigured} onLoggedIn={enter} />;
  return (
    <>
      <Header who={session.who} onLogout={logout} />
      {/* Where "skip to content" moves the focus; the pages put their <main> inside. */}
      <div id={CONTENT_ID} tabIndex={-1} class="content">
        <Page who={session.who} path={location.path} query={location.query} />
      </div>
    </>
  );
}

/** The page an address names: /applications, /applications/NS/NAME, /stacks, /stacks/NS/NAME... */
function Page({ who, path, query }: { who: WhoAmI; path: string; query: URLSearchParams }) {
  const parts = path
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponent);
  const [section, namespace, name, ...rest] = parts;
  const one = namespace !== undefined && name !== undefined && rest.length === 0;
  if (parts.length === 0 || (section === "applications" && parts.length === 1))
    return <ApplicationsPage who={who} query={query} />;
  if (section === "applications" && one)
    return <ApplicationPage who={who} namespace={namespace} name={name} query={query} />;
  if (section === "stacks" && parts.length === 1) return <StacksPage who={who} query={query} />;
  if (section === "stacks" && one)
    return <StackPage who={who} namespace={namespace} name={name} query={query} />;
  if (section === "projects" && parts.length === 1) return <ProjectsPage who={who} query={query} />;
  if (section === "clusters" && parts.length === 1) return <ClustersPage who={who} query={query} />;
  if (section === "audit" && parts.length === 1) return <AuditPage who={who} query={query} />;
  return (
    <main class="page">
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <a href="/applications">See the applications</a>.
      </p>
    </main>
  );
}
