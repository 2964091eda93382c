using MudBlazor;

namespace Workbench.Web.Components.Layout;

public static class WorkbenchTheme
{
    // System fonts: the app must look right with no internet and no font download.
    private static readonly string[] FontStack =
        ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans", "Liberation Sans", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            // Every colour that carries white text, and the muted text on the page background, meets WCAG AA (4.5:1).
            Primary = "#3949AB",
            Secondary = "#00695C",
            Info = "#1565C0",
            AppbarBackground = "#283593",
            Background = "#F6F7FB",
            DrawerBackground = "#FFFFFF",
            Success = "#2E7D32",
            Warning = "#8F5200",
            Error = "#C62828",
            TextSecondary = "#51565E",
            TextDisabled = "#6B6F76",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8C9EFF",
            Secondary = "#4DB6AC",
            AppbarBackground = "#1A1F3A",
            Background = "#12141C",
            Surface = "#1C1F2B",
            DrawerBackground = "#171A24",
            Success = "#66BB6A",
            Warning = "#FFB74D",
            Error = "#EF5350",
            Info = "#64B5F6",
            TextSecondary = "rgba(255,255,255,0.74)",
            TextDisabled = "rgba(255,255,255,0.6)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
