using Microsoft.Playwright;
using Xunit;

namespace Workbench.Testing.Browser;

/// <summary>The review API called as the person signed in to a browser context (its cookie), as another reviewer's work arrives.</summary>
public static class SignedInApi
{
    /// <summary>POSTs <paramref name="body"/> as JSON and fails the test with the answer when it is not a success.</summary>
    public static async Task PostOkAsync(this IBrowserContext context, string path, object body)
    {
        var response = await context.APIRequest.PostAsync(path, new() { DataObject = body });
        Assert.True(response.Ok, $"{path}: {response.Status} {await response.TextAsync()}");
    }
}
