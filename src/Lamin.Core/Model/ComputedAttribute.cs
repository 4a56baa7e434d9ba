namespace Lamin.Core.Model;

/// <summary>
/// A member of a record that no registry stores: computed, or filled when the record is read (the storage's
/// space name, an artifact's full path). Each engine maps records without these members (LiteDB's mapper in
/// Registry/LaminRegistry.cs, PostgreSQL's column lists in Registry/Postgres), so the model needs no engine type.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ComputedAttribute : Attribute;
