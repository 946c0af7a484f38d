"""The demo website of Gemeente Voorbeeld: home, product and department pages."""
