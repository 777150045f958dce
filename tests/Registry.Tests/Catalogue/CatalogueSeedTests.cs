using Registry.Catalogue;

namespace Registry.Tests.Catalogue;

public sealed class CatalogueSeedTests
{
    private readonly DiseaseCatalogue _catalogue = DiseaseCatalogue.LoadSeed();

    [Theory]
    [InlineData("sle", "sledai-2k", 0, 105, true, true)]
    [InlineData("sle", "pga", 0, 3, false, true)]
    [InlineData("ra", "das28-crp", 0, 10, false, true)]
    [InlineData("as", "basdai", 0, 10, false, true)]
    [InlineData("as", "asdas-crp", 0, 10, false, true)]
    [InlineData("uc", "mayo", 0, 12, true, true)]
    [InlineData("crohn", "hbi", 0, 100, true, true)]
    [InlineData("psoriasis", "pasi", 0, 72, false, true)]
    [InlineData("sjogren", "essdai", 0, 123, true, true)]
    [InlineData("gpa", "bvas", 0, 63, true, true)]
    [InlineData("takayasu", "bvas", 0, 63, true, true)]
    [InlineData("behcet", "bvas", 0, 63, true, true)]
    [InlineData("myositis", "mmt8", 0, 150, true, false)]
    [InlineData("myositis", "cdasi", 0, 100, true, true)]
    [InlineData("myositis", "myositis-tis", 0, 100, false, false)]
    [InlineData("t1d", "c-peptide-auc", 0, 10, false, false)]
    [InlineData("t1d", "hba1c", 3, 20, false, true)]
    [InlineData("gvhd", "nih-gvhd-severity", 0, 3, true, true)]
    [InlineData("aih", "alt", 0, 10000, false, true)]
    [InlineData("psc", "alp", 0, 10000, false, true)]
    [InlineData("ra", "cgi-s", 1, 7, true, true)]
    [InlineData("t1d", "cgi-i", 1, 7, true, true)]
    public void the_seed_holds_the_domain_table(string disease, string instrument, int min, int max, bool integer, bool higherIsWorse)
    {
        var found = _catalogue.FindInstrument(disease, instrument);

        Assert.NotNull(found);
        Assert.Equal(min, found.Min);
        Assert.Equal(max, found.Max);
        Assert.Equal(integer, found.Integer);
        Assert.Equal(higherIsWorse, found.HigherIsWorse);
    }

    [Fact]
    public void an_instrument_of_another_disease_does_not_belong()
    {
        Assert.Null(_catalogue.FindInstrument("ra", "sledai-2k"));
        Assert.Null(_catalogue.FindInstrument("unknown", "cgi-s"));
    }
}
