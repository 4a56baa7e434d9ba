using System.Collections.Concurrent;
using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using static Lamin.Core.Storage.CloudObjects;

namespace Lamin.Core.Storage;

/// <summary>
/// How every S3 request is made: one client per endpoint, region and credential source, and each SDK call's
/// failures mapped onto the error catalogue (the message never holds a secret). Credentials come from the SDK's
/// default chain (environment, profiles, instance roles), anonymous when there are none; roots with ?endpoint_url=
/// use path-style addressing and unchunked payloads (S3-compatible servers store aws-chunked bodies verbatim).
/// </summary>
internal static class S3Calls
{
    private static readonly ConcurrentDictionary<string, AmazonS3Client> Clients = new();

    public static AmazonS3Client Client(StorageRoot root, string? region = null)
    {
        region ??= Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        // Keyed by the credential source too, so a changed AWS_ACCESS_KEY_ID or AWS_PROFILE takes effect (the key id is not a secret).
        var identity = $"{Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")}|{Environment.GetEnvironmentVariable("AWS_PROFILE")}";
        return Clients.GetOrAdd($"{root.EndpointUrl}|{region}|{identity}", _ =>
        {
            var config = new AmazonS3Config { MaxErrorRetry = 4, Timeout = TimeSpan.FromMinutes(5) };
            if (root.EndpointUrl is not null)
            {
                config.ServiceURL = root.EndpointUrl;
                config.ForcePathStyle = true;
                config.AuthenticationRegion = region;
                config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
                config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
            }
            else config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            return new AmazonS3Client(Credentials(), config);
        });
    }

    private static AWSCredentials Credentials()
    {
        try { return DefaultAWSCredentialsIdentityResolver.GetCredentials(); }
        catch (AmazonClientException) { return new AnonymousAWSCredentials(); } // public buckets, read-only
    }

    /// <summary>A root on an S3-compatible server (?endpoint_url=): its payloads go unchunked.</summary>
    public static bool Custom(StorageRoot root) => root.EndpointUrl is not null;

    /// <summary>The running command's Ctrl+C, for every SDK call that is not given a token of its own (issue 15).</summary>
    public static CancellationToken Ct => Util.Cancel.Current;

    /// <summary>Runs an SDK call and maps its failures onto the error catalogue; the message never holds a secret.</summary>
    /// <param name="key">The object the call is about (relative to the root), named in "missing" and "exists" errors.</param>
    public static T Call<T>(StorageRoot root, Func<Task<T>> call, string what, string? key = null)
    {
        try { return call().GetAwaiter().GetResult(); }
        catch (AmazonS3Exception e) { throw Map(root, e, what, key); }
        catch (AmazonServiceException e) { throw Map(root, e, what, key); }
        catch (HttpRequestException e) { throw Unreachable(root, e); }
        catch (IOException e) { throw Unreachable(root, e); } // a dropped connection (HttpIOException): the data came from memory
        catch (AmazonClientException e) when (e.InnerException is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw Unreachable(root, e);
        }
    }

    public static LaminException Unreachable(StorageRoot root, Exception e) =>
        new(ErrorIds.StorageUnreachable,
            $"Cannot reach the S3 endpoint of {root.Root} ({e.Message}). Check the endpoint_url, the network and that the server runs.", root.Root, e);

    public static Exception Map(StorageRoot root, AmazonServiceException e, string what, string? key = null)
    {
        var code = (e as AmazonS3Exception)?.ErrorCode ?? e.ErrorCode;
        return code switch
        {
            "NoSuchKey" => Missing(root, key, what, e),
            // A conditional write (If-None-Match: *) found an object at the key: nothing was overwritten.
            "PreconditionFailed" or "ConditionalRequestConflict" when key is not null => Exists(root, key, e),
            "NoSuchBucket" => NoBucket(root, what, e),
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" =>
                new LaminException(ErrorIds.StorageCredentialsInvalid,
                    $"S3 refused the credentials for {root.Root} ({code}). Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your AWS profile.", root.Root, e),
            "AccessDenied" or "AllAccessDisabled" => Denied(root, what, e),
            "SlowDown" or "ServiceUnavailable" or "InternalError" or "RequestTimeout" =>
                new LaminException(ErrorIds.StorageUnavailable, $"S3 was unavailable for {root.Root} after retries ({code}); try again later.", root.Root, e),
            _ when e.StatusCode == HttpStatusCode.PreconditionFailed && key is not null => Exists(root, key, e),
            _ when e.StatusCode == HttpStatusCode.Forbidden => Denied(root, what, e),
            _ when (int)e.StatusCode >= 500 =>
                new LaminException(ErrorIds.StorageUnavailable, $"S3 answered {(int)e.StatusCode} for {root.Root} after retries; try again later.", root.Root, e),
            _ => new LaminException(ErrorIds.StorageIoError, $"S3 refused to {what} in {root.Root}: {code} {e.Message}", root.Root, e),
        };
    }

    public static bool IsNotFound(AmazonServiceException e) =>
        e.StatusCode == HttpStatusCode.NotFound && (e as AmazonS3Exception)?.ErrorCode != "NoSuchBucket";

    /// <summary>
    /// A conditional write (If-None-Match: *); a server that does not implement the condition (501) gets
    /// the same request without it, after the caller's check that nothing is at the key.
    /// </summary>
    public static T Conditional<T>(StorageRoot root, Func<bool, Task<T>> call, string what, string key)
    {
        try { return Call(root, () => call(true), what, key); }
        catch (LaminException e) when (e.InnerException is AmazonServiceException { StatusCode: HttpStatusCode.NotImplemented })
        {
            return Call(root, () => call(false), what, key);
        }
    }

    /// <summary>A GET or HEAD that may find nothing: null on 404 (but a missing bucket is StorageNotFound).</summary>
    public static T? Maybe<T>(StorageRoot root, Func<Task<T>> call, string what, string? key = null) where T : class
    {
        try { return Call(root, call, what, key); }
        catch (LaminException e) when (e.InnerException is AmazonServiceException s && IsNotFound(s)) { return null; }
    }
}
