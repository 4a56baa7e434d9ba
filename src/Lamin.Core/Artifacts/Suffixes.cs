namespace Lamin.Core.Artifacts;

/// <summary>
/// File suffixes as LaminDB sees them: compound formats first (".ome.zarr", ".anndata.zarr"),
/// compression and archive layers stack (".csv.gz", ".tar.gz", ".h5ad.tar.xz"). The raw suffix is
/// what a key must repeat; the canonical suffix is the lower-cased raw suffix when its format is known,
/// else "" (the object is then stored as .lamindb/&lt;uid&gt; without extension).
/// </summary>
public static class Suffixes
{
    private static readonly string[] Compound = [".anndata.zarr", ".spatialdata.zarr", ".ome.zarr", ".vitessce.json", ".ome.h5", ".ome.hdf5", ".ome.tif", ".ome.tiff"];
    private static readonly HashSet<string> Encodings = new(StringComparer.OrdinalIgnoreCase) { ".gz", ".bz2", ".xz", ".zst", ".lz4", ".tar" };

    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        // tables and text
        ".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".parquet", ".feather", ".arrow", ".orc", ".avro", ".xlsx", ".xls", ".xml",
        ".yaml", ".yml", ".toml", ".ini", ".md", ".rst", ".html", ".htm", ".log", ".sql", ".tex",
        // scientific
        ".h5ad", ".h5mu", ".h5", ".hdf5", ".zarr", ".loom", ".mtx", ".rds", ".rda", ".rdata", ".npy", ".npz", ".mat", ".nc", ".fcs",
        ".fastq", ".fq", ".fasta", ".fa", ".fna", ".faa", ".bam", ".bai", ".sam", ".cram", ".crai", ".vcf", ".bcf", ".bed", ".bigwig", ".bw",
        ".gtf", ".gff", ".gff3", ".pdb", ".cif", ".mzml", ".raw", ".czi", ".nd2", ".lif", ".dcm", ".nii", ".svs",
        // images, media, documents
        ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".svg", ".webp", ".pdf", ".mp4", ".mov", ".avi", ".mkv", ".wav", ".mp3", ".flac",
        ".doc", ".docx", ".ppt", ".pptx", ".odt", ".ods",
        // code, models, archives
        ".py", ".r", ".ipynb", ".sh", ".ps1", ".js", ".ts", ".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".onnx", ".safetensors", ".joblib",
        ".zip", ".tar", ".gz", ".bz2", ".xz", ".zst", ".7z", ".bin", ".exe", ".dll", ".so",
    };

    /// <summary>The suffix of a file or folder name as written ("data.CSV.gz" → ".CSV.gz").</summary>
    public static string Raw(string name)
    {
        name = name.TrimEnd('/', '\\');
        int slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0) name = name[(slash + 1)..];
        foreach (var c in Compound)
            if (name.Length > c.Length && name.EndsWith(c, StringComparison.OrdinalIgnoreCase))
                return name[^c.Length..];
        var parts = name.Split('.');
        if (parts.Length < 2 || (parts.Length == 2 && parts[0].Length == 0)) return ""; // no dot, or a dot-file like ".bashrc"
        int first = parts.Length - 1;
        // Stack encodings: "x.h5ad.tar.xz" → ".h5ad.tar.xz", "x.csv.gz" → ".csv.gz".
        while (first > 1 && Encodings.Contains("." + parts[first]) && parts[first - 1].Length > 0) first--;
        return "." + string.Join('.', parts[first..]);
    }

    /// <summary>The canonical (stored) suffix: lower-cased raw suffix when its format is known, else "".</summary>
    public static string Canonical(string name)
    {
        var raw = Raw(name);
        if (raw.Length == 0) return "";
        var format = raw.IndexOf('.', 1) is var i and > 0 ? raw[..i] : raw;
        return Known.Contains(format) || Compound.Contains(raw, StringComparer.OrdinalIgnoreCase) ? raw.ToLowerInvariant() : "";
    }
}
