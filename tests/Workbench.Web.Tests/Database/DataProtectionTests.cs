using System.Net;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Workbench.Web.Tests.Database;

/// <summary>Instances behind a load balancer share the Data Protection key ring through the database.</summary>
public sealed class DataProtectionTests
{
    [Fact]
    public async Task A_sign_in_cookie_from_one_instance_is_accepted_by_another_on_the_same_database()
    {
        await using var a = new WorkbenchFactory();
        _ = a.Server;
        await using var b = new WorkbenchFactory();
        b.Settings["ConnectionStrings:Workbench"] = $"Data Source={a.DatabasePath}";
        _ = b.Server;

        var browser = a.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var signIn = await DevSignIn.PostAsync(browser, "rita", "/queues", cookies: true);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        var onB = b.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/review/next") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", cookie);
        var next = await onB.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, next.StatusCode); // signed in as rita on B; nothing to claim

        Assert.Equal(1, await a.WithDbAsync(db => db.DataProtectionKeys.CountAsync()));
    }
}
