from django.http import HttpResponse


def placeholder(request, **kwargs):
    return HttpResponse("")


atlas_map = example_new = example_detail = country = compare = compare_csv = codebook = placeholder
