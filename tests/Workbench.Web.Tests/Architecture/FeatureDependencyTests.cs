using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit.Abstractions;

namespace Workbench.Web.Tests.Architecture;

/// <summary>
/// Keeps Workbench.Web shaped as feature slices around a small shared core: every folder (namespace under
/// Workbench.Web) is one feature or one piece of shared plumbing, and no two of them depend on each other both ways.
/// The dependencies are read from the compiled assembly (signatures, fields, attributes and every instruction of
/// every method body, compiler-generated closures and state machines included), not from using directives.
/// </summary>
public sealed class FeatureDependencyTests(ITestOutputHelper output)
{
    /// <summary>Shared plumbing: every feature may use it; it uses no feature.</summary>
    private static readonly string[] Shared = ["Cases", "Http", "Observability", "Rendering"];

    /// <summary>The UI and the host wire features together; nothing below them may depend on them.</summary>
    private static readonly string[] Top = ["Components", "Hosting"];

    [Fact]
    public void No_two_folders_of_Web_depend_on_each_other_both_ways()
    {
        var graph = FolderGraph.Of(typeof(Program).Assembly.Location, "Workbench.Web");
        output.WriteLine(graph.Describe());

        var cycles = graph.TwoWayPairs().Select(p => $"{p.A} <-> {p.B}: {graph.Example(p.A, p.B)} / {graph.Example(p.B, p.A)}").ToList();
        Assert.True(cycles.Count == 0, "Folders that depend on each other both ways:\n" + string.Join('\n', cycles));
    }

    [Fact]
    public void Shared_plumbing_depends_on_no_feature_and_nothing_depends_on_the_ui_or_the_host()
    {
        var graph = FolderGraph.Of(typeof(Program).Assembly.Location, "Workbench.Web");
        var wrong = new List<string>();
        foreach (var (from, to) in graph.Edges)
        {
            if (Shared.Contains(from) && !Shared.Contains(to) && to != "Health")
            {
                wrong.Add($"shared {from} -> feature {to}: {graph.Example(from, to)}");
            }
            if (Top.Contains(to) && !Top.Contains(from) && from != "(root)")
            {
                wrong.Add($"{from} -> {to}: {graph.Example(from, to)}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void The_client_sdk_and_the_contracts_carry_no_engine()
    {
        var contracts = AssemblyDefinition.ReadAssembly(typeof(Workbench.Contracts.CaseSubmission).Assembly.Location);
        var client = AssemblyDefinition.ReadAssembly(typeof(Workbench.Client.WorkbenchClient).Assembly.Location);
        string[] product = ["Workbench.Core", "Workbench.Data", "Workbench.Web", "YamlDotNet"];
        Assert.DoesNotContain(contracts.MainModule.AssemblyReferences, r => r.Name.StartsWith("Workbench.", StringComparison.Ordinal) || r.Name.StartsWith("YamlDotNet", StringComparison.Ordinal));
        Assert.DoesNotContain(client.MainModule.AssemblyReferences, r => product.Contains(r.Name));
    }

    [Fact]
    public void The_check_sees_a_dependency_in_a_method_body()
    {
        // The check itself must be able to fail: a lambda in a Live type calling into Cases is an edge Live -> Cases.
        var graph = FolderGraph.Of(typeof(Program).Assembly.Location, "Workbench.Web");
        Assert.Contains(("Live", "Cases"), graph.Edges);
        Assert.Contains(("Intake", "Cases"), graph.Edges);
    }

    private sealed class FolderGraph
    {
        private readonly Dictionary<(string From, string To), SortedSet<string>> _edges = [];

        public IEnumerable<(string From, string To)> Edges => _edges.Keys;

        public static FolderGraph Of(string assemblyPath, string rootNamespace)
        {
            var graph = new FolderGraph();
            using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
            var module = assembly.MainModule;
            string? Folder(TypeDefinition t)
            {
                while (t.DeclaringType is not null)
                {
                    t = t.DeclaringType;
                }
                var ns = t.Namespace;
                if (ns == rootNamespace || (ns.Length == 0 && t.Name is "Program" or "<Program>$"))
                {
                    return "(root)";
                }
                if (!ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal))
                {
                    return null;
                }
                var first = ns[(rootNamespace.Length + 1)..].Split('.')[0];
                return first;
            }
            void Add(TypeDefinition from, TypeReference? to, string via)
            {
                switch (to)
                {
                    case null:
                        return;
                    case GenericInstanceType generic:
                        foreach (var argument in generic.GenericArguments)
                        {
                            Add(from, argument, via);
                        }
                        Add(from, generic.ElementType, via);
                        return;
                    case TypeSpecification spec:
                        Add(from, spec.ElementType, via);
                        return;
                    case GenericParameter:
                        return;
                }
                if (to.Scope is AssemblyNameReference)
                {
                    return; // another assembly
                }
                var target = to.Resolve();
                if (target is null || target.Module != module)
                {
                    return;
                }
                var (a, b) = (Folder(from), Folder(target));
                if (a is null || b is null || a == b)
                {
                    return;
                }
                if (!graph._edges.TryGetValue((a, b), out var examples))
                {
                    graph._edges[(a, b)] = examples = new SortedSet<string>(StringComparer.Ordinal);
                }
                examples.Add($"{Outer(from).Name} -> {Outer(target).Name} ({via})");
            }
            foreach (var type in module.GetTypes())
            {
                Add(type, type.BaseType, "base");
                foreach (var i in type.Interfaces)
                {
                    Add(type, i.InterfaceType, "interface");
                }
                foreach (var f in type.Fields)
                {
                    Add(type, f.FieldType, "field");
                }
                foreach (var p in type.Properties)
                {
                    Add(type, p.PropertyType, "property");
                }
                foreach (var m in type.Methods)
                {
                    Add(type, m.ReturnType, "signature");
                    foreach (var p in m.Parameters)
                    {
                        Add(type, p.ParameterType, "signature");
                    }
                    if (!m.HasBody)
                    {
                        continue;
                    }
                    foreach (var v in m.Body.Variables)
                    {
                        Add(type, v.VariableType, "local");
                    }
                    foreach (var instruction in m.Body.Instructions)
                    {
                        switch (instruction.Operand)
                        {
                            case TypeReference t:
                                Add(type, t, "code");
                                break;
                            case MethodReference mr:
                                Add(type, mr.DeclaringType, mr.Name);
                                if (mr is GenericInstanceMethod gm)
                                {
                                    foreach (var argument in gm.GenericArguments)
                                    {
                                        Add(type, argument, mr.Name);
                                    }
                                }
                                break;
                            case FieldReference fr:
                                Add(type, fr.DeclaringType, fr.Name);
                                break;
                        }
                    }
                }
            }
            return graph;
        }

        private static TypeDefinition Outer(TypeDefinition t)
        {
            while (t.DeclaringType is not null)
            {
                t = t.DeclaringType;
            }
            return t;
        }

        public IEnumerable<(string A, string B)> TwoWayPairs() =>
            _edges.Keys.Where(k => string.CompareOrdinal(k.From, k.To) < 0 && _edges.ContainsKey((k.To, k.From)));

        public string Example((string, string) edge) => _edges.TryGetValue(edge, out var e) ? e.First() : "";

        public string Example(string from, string to) => Example((from, to));

        public string Describe() => string.Join('\n', _edges.Keys.GroupBy(k => k.From).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} -> {string.Join(", ", g.Select(k => k.To).Order(StringComparer.Ordinal))}"));
    }
}
