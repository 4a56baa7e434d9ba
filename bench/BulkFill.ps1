<#
.SYNOPSIS
    Shared by the benchmarks: fills a LiteDB registry with N artifact records quickly (LiteDB's InsertBulk),
    N-1 records cloned from the first artifact with distinct ids, uids, keys (1,000 per folder) and hashes.
    Dot-source it after Import-Module of Lamin; then `Invoke-BulkFill <registry path> <n>`.
#>
function Invoke-BulkFill([string] $Registry, [int] $Count) {
    if (-not ('LaminBenchBulkFill' -as [type])) {
        $lite = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin').Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
        $null = [System.Reflection.Assembly]::LoadFrom($lite.Location)   # a copy in the default context, for the fill only
        Add-Type -ReferencedAssemblies $lite.Location, 'netstandard', 'System.Collections', 'System.Linq', 'System.Runtime' -TypeDefinition @'
using System.Collections.Generic;
using System.Linq;
using LiteDB;
public static class LaminBenchBulkFill
{
    public static void Fill(string registry, int n)
    {
        using var db = new LiteDatabase("Filename=" + registry + ";Connection=direct");
        var col = db.GetCollection("artifact");
        var template = col.FindAll().First();
        for (int start = 1; start < n; start += 50000)
        {
            var docs = new List<BsonDocument>();
            for (int i = start; i < System.Math.Min(n, start + 50000); i++)
            {
                var d = new BsonDocument();
                foreach (var kv in template) d[kv.Key] = kv.Value;
                d["_id"] = i + 10; d["Uid"] = "b" + i.ToString("D15") + "0000";
                d["Key"] = "d" + (i / 1000).ToString("D4") + "/f" + i.ToString("D7") + ".txt"; d["Hash"] = "bulk-hash-" + i;
                docs.Add(d);
            }
            col.InsertBulk(docs, 10000);
        }
    }
}
'@
    }
    [LaminBenchBulkFill]::Fill($Registry, $Count)
}
