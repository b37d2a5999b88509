// Projects: each project the user may see, with its rules (which repositories, which destination
// clusters and namespaces, which kinds it may apply, where its Applications and Stacks may live,
// which keys must sign its commits) and its members: every role with the verbs it grants and the
// users and single-sign-on groups bound to it. The counts link to the application and stack lists
// filtered by the project.
import type { KindRef, ProjectSummary } from "../admin-api.ts";
import { listProjects } from "../admin-api.ts";
import { useReloadOnFleetChanges } from "../admin-live.ts";
import type { WhoAmI } from "../api.ts";
import { useApiRead } from "../api-read.ts";
import { LoadStatus } from "../components/load-status.tsx";
import "./admin.css";

export function ProjectsPage(_props: { who: WhoAmI; query: URLSearchParams }) {
  const { load, reload } = useApiRead((signal) => listProjects(signal).then(({ items }) => items), []);
  useReloadOnFleetChanges(reload);

  return (
    <main class="page admin">
      <h1>Projects</h1>
      <LoadStatus load={load} />
      {load.state === "loaded" && load.value.length === 0 ? (
        <p class="muted">You hold a role in no project yet; a project admin can add you to one.</p>
      ) : null}
      {load.state === "loaded" ? (
        <>
          <nav class="project-index" aria-label="projects">
            {load.value.map((p) => (
              <a key={p.name} href={`#project-${p.name}`}>
                {p.name}
              </a>
            ))}
          </nav>
          {load.value.map((p) => (
            <ProjectCard key={p.name} project={p} />
          ))}
        </>
      ) : null}
    </main>
  );
}

function ProjectCard({ project }: { project: ProjectSummary }) {
  const headingId = `project-${project.name}-title`;
  const q = encodeURIComponent(project.name);
  return (
    <section
      class="panel project"
      id={`project-${project.name}`}
      data-project={project.name}
      aria-labelledby={headingId}
    >
      <header>
        <h2 id={headingId}>{project.name}</h2>
        <span class="actions">
          <a href={`/applications?project=${q}`} data-testid="app-count">
            {plural(project.counts.applications, "application")}
          </a>
          <a href={`/stacks?project=${q}`} data-testid="stack-count">
            {plural(project.counts.stacks, "stack")}
          </a>
        </span>
      </header>
      {project.description ? <p class="description">{project.description}</p> : null}
      <div class="grid-2">
        <div>
          <h3>Rules</h3>
          <dl class="facts">
            <dt>Source repositories</dt>
            <dd>
              <List items={project.sourceRepos} empty="none: no repository may be deployed" mono />
            </dd>
            <dt>Destinations</dt>
            <dd>
              <List
                items={project.destinations.map(
                  (d) =>
                    `${d.name !== undefined ? `cluster ${d.name}` : `server ${d.server ?? "*"}`}, namespace ${d.namespace ?? "*"}`,
                )}
                empty="none: no cluster may be deployed to"
                mono
              />
            </dd>
            <dt>Source namespaces</dt>
            <dd>
              <List items={project.sourceNamespaces} empty="mooring only" mono />
            </dd>
            <dt>Cluster kinds allowed</dt>
            <dd>
              <Kinds kinds={project.clusterResourceWhitelist} empty="none" />
            </dd>
            {project.clusterResourceBlacklist.length > 0 ? (
              <>
                <dt>Cluster kinds denied</dt>
                <dd>
                  <Kinds kinds={project.clusterResourceBlacklist} empty="none" />
                </dd>
              </>
            ) : null}
            <dt>Namespaced kinds allowed</dt>
            <dd>
              <Kinds
                kinds={project.namespaceResourceWhitelist}
                empty={project.namespaceResourceBlacklist.length > 0 ? "all but those denied" : "all"}
              />
            </dd>
            {project.namespaceResourceBlacklist.length > 0 ? (
              <>
                <dt>Namespaced kinds denied</dt>
                <dd>
                  <Kinds kinds={project.namespaceResourceBlacklist} empty="none" />
                </dd>
              </>
            ) : null}
            <dt>Signed commits</dt>
            <dd>
              {project.signatureKeys.length === 0 ? (
                <span class="muted">not required</span>
              ) : (
                <ul class="plain">
                  {project.signatureKeys.map((key) => (
                    <li key={`${key.type}-${key.fingerprint ?? key.description}`}>
                      {key.description}
                      <span class="mono small">{key.fingerprint ?? "fingerprint unreadable"}</span>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        </div>
        <div>
          <h3>Roles and members</h3>
          {project.roles.length === 0 ? (
            <p class="muted">No roles: only global admins act in this project.</p>
          ) : (
            <div class="table-scroll">
              <table class="data roles">
                <thead>
                  <tr>
                    <th scope="col">Role</th>
                    <th scope="col">Verbs</th>
                    <th scope="col">Users</th>
                    <th scope="col">Groups</th>
                  </tr>
                </thead>
                <tbody>
                  {project.roles.map((role) => (
                    <tr key={role.name} data-role={role.name}>
                      <th scope="row">
                        {role.name}
                        {role.description ? <span class="muted small">{role.description}</span> : null}
                      </th>
                      <td data-testid="verbs">
                        <span class="chips">
                          {role.verbs.map((verb) => (
                            <span key={verb} class="chip">
                              {verb}
                            </span>
                          ))}
                        </span>
                      </td>
                      <td data-testid="users">
                        <List items={role.users} empty="none" />
                      </td>
                      <td data-testid="groups">
                        <List items={role.groups} empty="none" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function List({ items, empty, mono }: { items: readonly string[]; empty: string; mono?: boolean }) {
  if (items.length === 0) return <span class="muted">{empty}</span>;
  return (
    <ul class={`plain${mono ? " mono" : ""}`}>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

function Kinds({ kinds, empty }: { kinds: readonly KindRef[]; empty: string }) {
  return <List items={kinds.map((k) => (k.group ? `${k.group}/${k.kind}` : k.kind))} empty={empty} mono />;
}
