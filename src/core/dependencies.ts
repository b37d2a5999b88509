// `dependsOn` across namespaces. An Application or Stack waits for the objects it depends on to be
// Ready, and the controller reads them with its own rights; so a dependency in another namespace
// tells its author whether someone else's object is Ready, and ties one team's rollout to
// another's. Objects in the controller namespace are written by the platform team and may depend on
// anything; an object elsewhere, written by a team, may depend only on objects in its own namespace
// (Flux's `--no-cross-namespace-refs` lockdown, always on here).

export interface DependencyRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Why the dependent may not have these dependencies, or undefined when it may. */
export function crossNamespaceDependency(
  dependent: DependencyRef,
  dependencies: readonly DependencyRef[],
  controllerNamespace: string,
): string | undefined {
  if (dependent.namespace === controllerNamespace) return undefined;
  const foreign = dependencies.find((d) => d.namespace !== dependent.namespace);
  if (!foreign) return undefined;
  return (
    `${dependent.kind} ${dependent.namespace}/${dependent.name}: dependsOn ${foreign.kind} ` +
    `${foreign.namespace}/${foreign.name} is in another namespace; outside namespace ` +
    `${controllerNamespace}, an object may depend only on objects in its own namespace ` +
    "(move the dependency into this namespace, or drop it from spec.dependsOn)"
  );
}
